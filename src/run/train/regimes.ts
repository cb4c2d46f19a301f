// Training regimes: what the training loop does to each batch before the step, the same
// under every optimizer. A regime is one entry in REGIMES: its option checks, its label
// (the `regime` column of every result file) and the batch transform.
//   standard      the batch as it is.
//   noise         x + σ·z clipped to [0, 1] (Gaussian augmentation), z from the stream
//                 (seed, regime, step): the same noise for every optimizer of a seed.
//   adversarial   the batch replaced by an attack on the current model (Madry et al. 2018):
//                 `pgd` (random start, k steps of α·sign(∇), projected to the ε-ball and
//                 [0, 1]) or `fgsm` (one step of ε), or with `randomStart` Wong et al.'s
//                 (2020) fast FGSM: uniform start in the ε-ball, one step of α = 1.25·ε,
//                 projected. The attacks are the evaluation's own (src/measure/perturb), their
//                 gradient the model's at the step's weights in evaluation mode (dropout
//                 off, batch-norm running statistics), as the evaluation attacks use it.
import type { Network } from '../../core/model/network.ts';
import type { ImageShape } from '../../measure/perturb/perturbation.ts';
import { fgsm } from '../../measure/perturb/fgsm.ts';
import { makePgd } from '../../measure/perturb/pgd.ts';
import { gradientOracle } from '../../measure/metrics/gradient-oracle.ts';
import { createRng } from '../../core/util/rng.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';
import { clip01 } from '../../measure/perturb/perturbation.ts';

export type TrainingSpec =
  | { readonly kind: 'standard'; readonly label?: string }
  | { readonly kind: 'noise'; readonly sigma: number; readonly label?: string }
  | {
      readonly kind: 'adversarial';
      readonly attack: 'pgd' | 'fgsm';
      readonly eps: number;
      /** PGD steps (default 10). */
      readonly steps?: number;
      /** PGD step size α (default 2.5·eps/steps, as the evaluation's PGD). */
      readonly stepSize?: number;
      /** FGSM only: Wong et al.'s random start with α = 1.25·eps (default false: plain FGSM). PGD always starts at random. */
      readonly randomStart?: boolean;
      readonly label?: string;
    };

/** Replaces a batch's first n images (n·C·H·W pixels) with what the step trains on. */
export type BatchTransform = (x: Float32Array, labels: Uint8Array, n: number, weights: readonly Float32Array[], step: number) => Promise<Float32Array>;

interface RegimeDefinition {
  readonly kind: string;
  /** A problem with the spec: [field, value, expected], or undefined. */
  problem(spec: Record<string, unknown>): readonly [string, unknown, string] | undefined;
  label(spec: TrainingSpec): string;
  transform(spec: TrainingSpec, net: Network, shape: ImageShape, seed: number): BatchTransform | undefined;
}

const inUnit = (v: unknown): boolean => typeof v === 'number' && v > 0 && v <= 1;
const num = (v: number) => String(Number(v.toPrecision(4)));

const REGIMES: Readonly<Record<string, RegimeDefinition>> = {
  standard: {
    kind: 'standard',
    problem: () => undefined,
    label: () => 'standard',
    transform: () => undefined,
  },
  noise: {
    kind: 'noise',
    problem: (s) => (inUnit(s.sigma) ? undefined : ['sigma', s.sigma, 'a number in (0, 1]']),
    label: (s) => `noise-${num((s as { sigma: number }).sigma)}`,
    transform(spec, _net, _shape, seed) {
      const { sigma } = spec as { sigma: number };
      const label = this.label(spec);
      return async (x, _labels, n, _weights, step) => {
        const d = x.length / Math.max(n, 1);
        const out = new Float32Array(n * d);
        new BulkRng(seed, `train:${label}:${step}`).fillNormal(out);
        for (let i = 0; i < out.length; i++) out[i] = clip01(x[i]! + sigma * out[i]!);
        return out;
      };
    },
  },
  adversarial: {
    kind: 'adversarial',
    problem(s) {
      if (s.attack !== 'pgd' && s.attack !== 'fgsm') return ['attack', s.attack, '"pgd" or "fgsm"'];
      if (!inUnit(s.eps)) return ['eps', s.eps, 'an L-inf radius in (0, 1]'];
      if (s.steps !== undefined && !(Number.isInteger(s.steps) && (s.steps as number) >= 1 && (s.steps as number) <= 1000))
        return ['steps', s.steps, 'an integer from 1 to 1000'];
      if (s.attack === 'fgsm' && s.steps !== undefined) return ['steps', s.steps, 'nothing for fgsm (one step)'];
      if (s.stepSize !== undefined && !inUnit(s.stepSize)) return ['stepSize', s.stepSize, 'a number in (0, 1]'];
      if (s.attack === 'fgsm' && s.stepSize !== undefined) return ['stepSize', s.stepSize, 'nothing for fgsm (its step is eps, or 1.25·eps with randomStart)'];
      if (s.randomStart !== undefined && typeof s.randomStart !== 'boolean') return ['randomStart', s.randomStart, 'true or false'];
      if (s.attack === 'pgd' && s.randomStart === false)
        return ['randomStart', s.randomStart, 'true or left out: PGD always starts at a random point of the eps-ball'];
      return undefined;
    },
    label(spec) {
      const s = spec as Extract<TrainingSpec, { kind: 'adversarial' }>;
      if (s.attack === 'fgsm') return `${s.randomStart ? 'fastfgsm' : 'fgsm'}-${num(s.eps)}`;
      return `pgd-${num(s.eps)}x${s.steps ?? 10}`;
    },
    transform(spec, net, shape, seed) {
      const s = spec as Extract<TrainingSpec, { kind: 'adversarial' }>;
      const label = this.label(spec);
      const steps = s.steps ?? 10;
      const attack =
        s.attack === 'pgd'
          ? makePgd({ steps, stepFactor: s.stepSize !== undefined ? (s.stepSize * steps) / s.eps : 2.5 })
          : s.randomStart
            ? makePgd({ steps: 1, stepFactor: 1.25 })
            : fgsm;
      return async (x, labels, n, weights, step) => {
        const images = x.subarray(0, (x.length / Math.max(n, 1)) * n);
        return attack.apply({ images, labels, count: n, shape, rng: createRng(seed, `train:${label}:${step}`), gradient: gradientOracle(net, weights) }, s.eps);
      };
    },
  },
};

export function listRegimes(): string[] {
  return Object.keys(REGIMES);
}

/** What is wrong with a training spec, as [field, value, expected]; undefined when it is valid. */
export function trainingProblem(spec: unknown): readonly [string, unknown, string] | undefined {
  if (typeof spec !== 'object' || spec === null)
    return [
      '',
      spec,
      `{ kind: ${listRegimes()
        .map((k) => `"${k}"`)
        .join(' | ')}, ... }`,
    ];
  const s = spec as Record<string, unknown>;
  const def = REGIMES[s.kind as string];
  if (!def) return ['kind', s.kind, `one of ${listRegimes().join(', ')}`];
  const known = new Set([
    'kind',
    'label',
    ...{ standard: [], noise: ['sigma'], adversarial: ['attack', 'eps', 'steps', 'stepSize', 'randomStart'] }[def.kind as 'standard']!,
  ]);
  const unknown = Object.keys(s).find((k) => !known.has(k));
  if (unknown) return [unknown, s[unknown], `no such option for a ${def.kind} regime (it has ${[...known].join(', ')})`];
  return def.problem(s);
}

/** The regime's label: the spec's own, or one made from its options ("pgd-0.1x10", "noise-0.1"). */
export function regimeLabel(spec: TrainingSpec): string {
  return spec.label ?? REGIMES[spec.kind]!.label(spec);
}

export function batchTransform(spec: TrainingSpec, net: Network, shape: ImageShape, seed: number): BatchTransform | undefined {
  return REGIMES[spec.kind]!.transform(spec, net, shape, seed);
}
