// The perturbation contract: a pure function of the clean images, a severity, a
// seeded rng and (for attacks) a gradient oracle. It never mutates its input.
import type { Rng } from '../../core/util/rng.ts';
import type { LogitLossName } from '../../core/model/logit-loss.ts';
import type { BoundName } from '../../core/model/bounds.ts';

/** Per-example shape [channels, height, width]. */
export type ImageShape = readonly [number, number, number];

/** dLoss/dx for `n` images with their labels (the attacked model's training loss). */
export type GradientOracle = ((x: Float32Array, labels: Uint8Array, n: number) => Promise<Float32Array>) & {
  /** The same gradient with the model's logits at x ([n, classes]), for attacks that track each example's loss (APGD). */
  readonly withLogits?: (x: Float32Array, labels: Uint8Array, n: number) => Promise<{ readonly dx: Float32Array; readonly logits: Float32Array }>;
  /** Each example's own d(loss)/dx for an attack's logit loss (DLR, targeted DLR, margin), with the logits. */
  readonly lossGrad?: (
    loss: LogitLossName,
    x: Float32Array,
    labels: Uint8Array,
    n: number,
    targets?: Uint8Array,
  ) => Promise<{ readonly dx: Float32Array; readonly logits: Float32Array }>;
  /** The model's logits alone ([n, classes]): what a query (black-box) attack sees. */
  readonly logits?: (x: Float32Array, n: number) => Promise<Float32Array>;
  /** Certified lower bounds on z_y - z_j over the eps-ball within [0, 1] ([n, classes]; 0 at j = y), by a method of bounds.ts. */
  readonly marginBounds?: (method: BoundName, x: Float32Array, labels: Uint8Array, n: number, eps: number) => Promise<Float32Array>;
};

export interface PerturbInput {
  /** count × C·H·W pixels in [0, 1]. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly shape: ImageShape;
  /** The stream for this (seed, perturbation, severity): same for every optimizer of a seed. */
  readonly rng: Rng;
  /** Present for attacks. */
  readonly gradient?: GradientOracle;
}

export interface SeverityRange {
  /** What the number means, for --help and reports, e.g. "sigma", "eps (L-inf)", "degrees", "level". */
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Levels 1-5 of the corruption set are integers. */
  readonly integer?: boolean;
}

/** For the corruption set: what severity levels 1-5 mean, documented in one table. */
export interface Levels {
  readonly parameter: string;
  readonly values: readonly [number, number, number, number, number];
}

/**
 * What an attack is, for the gradient-masking checks (src/measure/metrics/masking.ts): its norm,
 * whether it reads gradients ('white'), only logits ('black') or both ('ensemble'), and how many
 * model passes it spends on an example at most (steps x restarts x targets; queries for Square).
 */
export interface Threat {
  readonly norm: 'linf' | 'l2';
  readonly access: 'white' | 'black' | 'ensemble';
  readonly passes: number;
}

export interface Perturbation {
  readonly name: string;
  readonly description: string;
  readonly severity: SeverityRange;
  readonly levels?: Levels;
  /** Attacks need the model's input gradient. */
  readonly needsGradient: boolean;
  /** The fewest classes the attack is defined for (its loss's; APGD-T needs 4), checked before a run starts. */
  readonly minClasses?: number;
  /** Attacks: what the masking checks compare (absent for corruptions and certificates). */
  readonly threat?: Threat;
  apply(input: PerturbInput, severity: number): Float32Array | Promise<Float32Array>;
  /**
   * A certificate instead of a transformation (IBP): 1 for each example proved correctly
   * classified at every point the severity allows. Its accuracy is the certified fraction.
   */
  certify?(input: PerturbInput, severity: number): Promise<Uint8Array>;
  /** An ensemble's attacks in the order it runs them (AutoAttack's), when it reports which broke each example. */
  readonly stages?: readonly string[];
  /** `apply` with, per example, the index in `stages` of the attack that broke it (-1: none; -2: misclassified clean). */
  applyStaged?(input: PerturbInput, severity: number): Promise<{ readonly images: Float32Array; readonly brokenBy: Int8Array }>;
}

export const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** A corruption whose severity is a level 1-5, mapped to its parameter by `levels`. */
export function corruption(name: string, description: string, levels: Levels, apply: (input: PerturbInput, parameter: number) => Float32Array): Perturbation {
  return {
    name,
    description,
    severity: { unit: 'level', min: 1, max: 5, integer: true },
    levels,
    needsGradient: false,
    apply: (input, level) => apply(input, levels.values[level - 1]!),
  };
}
