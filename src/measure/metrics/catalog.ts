// Every metric optrobust records, in one place: its unit, which direction is better, the
// smallest change `compare` calls a regression, and what it means. Writers (results.csv,
// summary.csv, the report) and compare read it; nothing else spells a metric's name.

import { AUTOATTACK_STEPS } from '../perturb/autoattack.ts';

export type Direction = 'higher' | 'lower' | 'diagnostic';

export interface MetricInfo {
  readonly name: string;
  /** What the value counts: fraction (of test examples), nats, count, steps, L2 norm... */
  readonly unit: string;
  /** Which way is better; diagnostics are reported as changes, never as regressions. */
  readonly direction: Direction;
  /** The smallest change (in the metric's unit) that counts as a regression or improvement. */
  readonly threshold: number;
  readonly description: string;
}

const m = (name: string, unit: string, direction: Direction, threshold: number, description: string): MetricInfo => ({
  name,
  unit,
  direction,
  threshold,
  description,
});

/** Summary statistics of a series over steps or examples: the suffixes of grad_norm_*, update_norm_*... */
export const STATS = ['mean', 'std', 'min', 'median', 'p95', 'max'] as const;
export const INPUT_GRAD_STATS = ['mean', 'median', 'p95'] as const;

export const M = {
  accuracy: m('accuracy', 'fraction', 'higher', 0.01, 'fraction of test examples classified correctly'),
  loss: m('loss', 'nats', 'lower', 0.05, 'mean cross-entropy on the test examples: the negative log-likelihood'),
  ece: m(
    'ece',
    'fraction',
    'lower',
    0.01,
    'expected calibration error: top-class confidence against accuracy in 15 equal-width bins, weighted by their share of examples (Guo et al. 2017)',
  ),
  brier: m(
    'brier',
    'score',
    'lower',
    0.01,
    'Brier score: mean over examples of the squared distance between the predicted probabilities and the one-hot label',
  ),
  diverged: m('diverged', '0/1', 'lower', 0.5, '1 when training hit a non-finite loss or gradient'),
  divergedStep: m('diverged_step', 'step', 'diagnostic', 0, 'the step at which training diverged'),
  steps: m('steps', 'count', 'diagnostic', 0, 'training steps taken'),
  hessianTop: m(
    'hessian_top_eigenvalue',
    'curvature',
    'diagnostic',
    0,
    'largest eigenvalue of the Hessian of the training loss at the end of training (power iteration on a seeded training subset): sharpness',
  ),
  hessianTrace: m('hessian_trace', 'curvature', 'diagnostic', 0, "trace of that Hessian (Hutchinson's estimator, Rademacher vectors)"),
  maskingBlackBox: m(
    'masking_black_box',
    '0/1',
    'lower',
    0.5,
    'gradient masking check: 1 when the black-box Square attack leaves lower accuracy than the strongest iterative white-box attack of its norm',
  ),
  maskingNotMonotone: m('masking_not_monotone', '0/1', 'lower', 0.5, "gradient masking check: 1 when an attack's accuracy rises with eps"),
  maskingMorePasses: m(
    'masking_more_passes',
    '0/1',
    'lower',
    0.5,
    'gradient masking check: 1 when an attack with 10x the model passes of another leaves higher accuracy',
  ),
  maskingLargeEps: m(
    'masking_large_eps',
    '0/1',
    'lower',
    0.5,
    "gradient masking check: 1 when an attack at L-inf eps >= 0.5 leaves accuracy above the largest class's share",
  ),
  robustRadius: m(
    'robust_radius_median',
    'eps (L-inf)',
    'higher',
    0.005,
    'median over test examples of the smallest L-inf budget at which PGD (no random start) misclassifies the ' +
      'example, by bisection (0 for a clean error; Infinity when more than half resist the largest budget searched)',
  ),
  fourierLow: m(
    'fourier_low_error',
    'fraction',
    'lower',
    0.01,
    'mean test error of the Fourier heat map over frequencies within a quarter of the image size of the centre ' +
      '(max-norm): sensitivity to low-frequency directions',
  ),
  fourierHigh: m(
    'fourier_high_error',
    'fraction',
    'lower',
    0.01,
    'mean test error of the Fourier heat map over the frequencies farther out: sensitivity to high-frequency directions',
  ),
  gradientEvaluations: m(
    'gradient_evaluations',
    'count',
    'diagnostic',
    0,
    'gradients computed in training: one per step, two with SAM (its cost at an equal step count)',
  ),
  finalLoss: m('final_loss', 'nats', 'lower', 0.05, 'mean training loss over the last epoch'),
  gradNormNonfinite: m('grad_norm_nonfinite', 'count', 'diagnostic', 0, 'steps with a non-finite gradient norm'),
  updateNormNonfinite: m('update_norm_nonfinite', 'count', 'diagnostic', 0, 'steps with a non-finite update norm'),
  gradRatioMedian: m(
    'grad_ratio_first_last_median',
    'ratio',
    'diagnostic',
    0,
    "median over logged steps of the first layer's gradient norm over the last layer's (<< 1: vanishing, >> 1: exploding)",
  ),
  gradRatioStep1: m('grad_ratio_first_last_step1', 'ratio', 'diagnostic', 0, "the first layer's gradient norm over the last layer's at step 1"),
  failed: m('failed', '0/1', 'diagnostic', 0, '1 for a cell that raised an error'),
  matchedAccuracy: m('matched_accuracy', 'fraction', 'higher', 0.01, 'accuracy at the checkpoint matched to the common validation target'),
  matchedLoss: m('matched_loss', 'nats', 'lower', 0.05, 'test loss at the matched checkpoint'),
  matchedStep: m('matched_step', 'step', 'diagnostic', 0, 'the training step of the matched checkpoint'),
  matchedEpoch: m('matched_epoch', 'epoch', 'diagnostic', 0, 'the epoch the matched checkpoint falls in'),
  matchedValAccuracy: m('matched_val_accuracy', 'fraction', 'diagnostic', 0, 'validation accuracy at the matched checkpoint'),
  matchedGap: m('matched_gap', 'fraction', 'diagnostic', 0, 'matched validation accuracy minus the target'),
  stepsToTarget: m(
    'steps_to_target',
    'step',
    'diagnostic',
    0,
    'the first validation checkpoint at which accuracy reached the matched target (AlgoPerf-style time to target); NaN: never reached',
  ),
  auc: m(
    'accuracy_auc',
    'fraction',
    'higher',
    0.01,
    'area under the accuracy-severity curve of a perturbation (clean at severity 0), over its severity range: the mean accuracy across the sweep',
  ),
  aucRelative: m(
    'accuracy_auc_relative',
    'ratio',
    'higher',
    0.01,
    'accuracy_auc over clean accuracy: the share of clean accuracy a model keeps across the sweep',
  ),
  corruptionError: m(
    'corruption_error',
    'ratio',
    'lower',
    0.02,
    "errors summed over a perturbation's severities over the reference optimizer's (same model, regime and seed): " +
      "ImageNet-C's CE, below 1 is more robust than the reference",
  ),
  meanCorruptionError: m('mean_corruption_error', 'ratio', 'lower', 0.02, 'corruption_error averaged over every perturbation of the suite (mCE)'),
  matchedAuc: m('matched_accuracy_auc', 'fraction', 'higher', 0.01, 'accuracy_auc at the matched checkpoint'),
} as const;

/** Names of the summary-statistic families: `${prefix}_${stat}`. */
export const FAMILY = { gradNorm: 'grad_norm', updateNorm: 'update_norm', inputGradL2: 'input_grad_l2', inputGradL1: 'input_grad_l1' } as const;
export const statName = (prefix: string, s: string): string => `${prefix}_${s}`;

const stat = (prefix: string, unit: string, what: string) => (s: string) => m(statName(prefix, s), unit, 'diagnostic', 0, `${s} over ${what}`);

/** An ensemble's running robust accuracy: `accuracy_after_${stage}` (AutoAttack's log, attack by attack). */
export const stageMetric = (stage: string): string => `accuracy_after_${stage.replace(/-/g, '_')}`;

const FAMILIES: readonly MetricInfo[] = [
  // After the last attack it is the accuracy itself.
  ...AUTOATTACK_STEPS.slice(0, -1).map((s) =>
    m(stageMetric(s.name), 'fraction', 'higher', 0.01, `autoattack: the fraction of test examples still correct after its attacks up to ${s.name}`),
  ),
  ...STATS.map(stat(FAMILY.gradNorm, 'L2 norm', 'training steps of the global gradient norm')),
  ...STATS.map(stat(FAMILY.updateNorm, 'L2 norm', 'training steps of the parameter update norm')),
  ...INPUT_GRAD_STATS.map(stat(FAMILY.inputGradL2, 'L2 norm', 'test examples of the L2 norm of the loss gradient w.r.t. the input')),
  ...INPUT_GRAD_STATS.map(stat(FAMILY.inputGradL1, 'L1 norm', 'test examples of the L1 norm of the loss gradient w.r.t. the input (the dual of L-inf)')),
];

const CATALOG = new Map<string, MetricInfo>([...Object.values(M), ...FAMILIES].map((x) => [x.name, x]));

/** A metric's entry; unknown names (from a newer optrobust, say) are diagnostics without a unit. */
export function metricInfo(name: string): MetricInfo {
  return CATALOG.get(name) ?? m(name, '', 'diagnostic', 0, '');
}

export function listMetrics(): MetricInfo[] {
  return [...CATALOG.values()];
}
