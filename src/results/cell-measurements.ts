// The measurements each phase's result yields, in a fixed order (results.csv rows).
import type { CellKey } from '../experiment/grid.ts';
import type { CellResult } from '../experiment/phases/main.ts';
import type { MatchedResult } from '../experiment/phases/matched.ts';
import type { Summary } from '../metrics/summary.ts';
import { FAMILY, INPUT_GRAD_STATS, M, STATS, statName } from '../metrics/catalog.ts';
import { median } from '../metrics/summary.ts';
import { bandError } from '../metrics/fourier-heatmap.ts';
import { TRAIN, type Measurement } from './measurement.ts';

type Add = (metric: string, value: number) => void;

function rowsAt(rows: Measurement[], key: CellKey) {
  return (perturbation: string, severity: number): Add =>
    (metric, value) =>
      rows.push({ model: key.model, regime: key.regime, optimizer: key.optimizer, seed: key.seed, perturbation, severity, metric, value });
}

function summaryRows(prefix: string, s: Summary, add: Add, keys: readonly (keyof Summary)[]): void {
  for (const k of keys) add(statName(prefix, k), s[k]);
}

/**
 * The first layer's gradient norm over the last layer's, per logged step: the weights of the
 * first and last dense or convolutional layers (vanishing gradients: << 1; exploding: >> 1).
 */
export function firstLastRatios(r: CellResult): number[] {
  const weights = r.tensors.map((t, i) => ({ t, i })).filter(({ t }) => (t.op === 'dense' || t.op === 'conv2d') && t.name.endsWith('.weight'));
  if (weights.length < 2) return [];
  const first = weights[0]!.i;
  const last = weights[weights.length - 1]!.i;
  return r.steps.map((s) => s.tensorGradNorms[first]! / s.tensorGradNorms[last]!);
}

export function cellMeasurements(key: CellKey, r: CellResult): Measurement[] {
  const rows: Measurement[] = [];
  const at = rowsAt(rows, key);
  const train = at(TRAIN, 0);
  train(M.steps.name, r.train.steps);
  // A pretrained model evaluated as it is (0 epochs) has no training to describe.
  if (r.train.steps > 0) trainRows(r, train);
  if (r.sharpness) {
    train(M.hessianTop.name, r.sharpness.topEigenvalue);
    train(M.hessianTrace.name, r.sharpness.trace);
  }
  for (const p of r.eval ?? []) {
    const add = at(p.perturbation, p.severity);
    add(M.accuracy.name, p.accuracy);
    add(M.loss.name, p.loss);
    if (p.ece !== undefined) add(M.ece.name, p.ece);
    if (p.brier !== undefined) add(M.brier.name, p.brier);
  }
  if (r.robustRadius) at('clean', 0)(M.robustRadius.name, r.robustRadius.median);
  if (r.fourier) {
    const quarter = Math.floor(Math.min(r.fourier.height, r.fourier.width) / 4);
    at('clean', 0)(M.fourierLow.name, bandError(r.fourier, quarter, false));
    at('clean', 0)(M.fourierHigh.name, bandError(r.fourier, quarter, true));
  }
  if (r.inputGradients) {
    const clean = at('clean', 0);
    summaryRows(FAMILY.inputGradL2, r.inputGradients.l2, clean, INPUT_GRAD_STATS);
    summaryRows(FAMILY.inputGradL1, r.inputGradients.l1, clean, INPUT_GRAD_STATS);
  }
  return rows;
}

function trainRows(r: CellResult, train: Add): void {
  train(M.diverged.name, r.diverged ? 1 : 0);
  if (r.diverged) train(M.divergedStep.name, r.diverged.step);
  train(M.finalLoss.name, r.train.finalLoss);
  if (r.train.gradientEvaluations !== undefined) train(M.gradientEvaluations.name, r.train.gradientEvaluations);
  summaryRows(FAMILY.gradNorm, r.train.gradNorm, train, STATS);
  train(M.gradNormNonfinite.name, r.train.gradNorm.nonFinite);
  summaryRows(FAMILY.updateNorm, r.train.updateNorm, train, STATS);
  train(M.updateNormNonfinite.name, r.train.updateNorm.nonFinite);
  const ratios = firstLastRatios(r);
  if (ratios.length) {
    train(M.gradRatioMedian.name, median(ratios));
    if (r.steps[0]?.step === 1) train(M.gradRatioStep1.name, ratios[0]!);
  }
}

/** The matched-accuracy view of a cell: its checkpoint, how close it came to the target, and robustness there. */
export function matchedMeasurements(key: CellKey & { readonly step: number }, r: MatchedResult): Measurement[] {
  const rows: Measurement[] = [];
  const at = rowsAt(rows, key);
  const train = at(TRAIN, 0);
  train(M.matchedStep.name, key.step);
  train(M.matchedEpoch.name, r.epoch);
  train(M.matchedValAccuracy.name, r.valAccuracy);
  train(M.matchedGap.name, r.valAccuracy - r.target);
  for (const p of r.eval) {
    const add = at(p.perturbation, p.severity);
    add(M.matchedAccuracy.name, p.accuracy);
    add(M.matchedLoss.name, p.loss);
  }
  return rows;
}
