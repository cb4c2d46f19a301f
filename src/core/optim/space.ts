// Search spaces: what the tuner may vary for an optimizer, and how a point of the unit cube
// becomes hyperparameters. A rule table keyed by option (as AlgoPerf's search spaces are
// written: learning rate, weight decay, 1-β1, 1-β2 log-uniform, warmup and schedule), read
// from the optimizer's own options, so an optimizer of a suite's own gets a space too; an
// optimizer overrides a rule in its definition (`space`: decoupled decay's wider range).
//
//   lr           log-uniform on the optimizer's lrRange (tune.ranges overrides it per arm)
//   weightDecay  log-uniform on [1e-6, 1e-2] (coupled: added to the gradient), [1e-4, 1]
//                for an optimizer that decays decoupled (p ← p·(1 - lr·wd))
//   beta1        1 - log-uniform on [0.01, 0.5] (β1 in [0.5, 0.99]), for `betas`
//   momentum     the same, for `momentum` when the arm's is above 0 (plain SGD stays plain)
//   beta2        1 - log-uniform on [0.001, 0.1] (β2 in [0.9, 0.999]), for `betas`
//   warmup       uniform on [0, 0.1] of the run's steps, linear (when tune.schedules is set)
//   schedule     one of tune.schedules (constant, cosine, linear) after the warmup
//
// A suite narrows the search to some of these by name (tune.search); the rest keep the arm's values.
import type { Schedule } from './schedule.ts';

/** One searched hyperparameter: how a coordinate u in [0, 1) maps to its value. */
export type Dimension =
  | { readonly scale: 'log'; readonly min: number; readonly max: number }
  /** 1 - x with x log-uniform on [min, max]: β and momentum near 1 sampled evenly on the log of 1 - β. */
  | { readonly scale: 'one-minus-log'; readonly min: number; readonly max: number }
  | { readonly scale: 'linear'; readonly min: number; readonly max: number }
  | { readonly scale: 'choice'; readonly values: readonly string[] };

/** A point of a search space: each searched hyperparameter's value. */
export type Hyperparameters = Readonly<Record<string, number | string>>;

/** Decoupled weight decay's range (AdamW, Lion, Sophia, Muon, Adafactor, LAMB). */
export const DECOUPLED_DECAY: Dimension = { scale: 'log', min: 1e-4, max: 1 };
const COUPLED_DECAY: Dimension = { scale: 'log', min: 1e-6, max: 1e-2 };
const BETA1: Dimension = { scale: 'one-minus-log', min: 0.01, max: 0.5 };
const BETA2: Dimension = { scale: 'one-minus-log', min: 0.001, max: 0.1 };
const WARMUP: Dimension = { scale: 'linear', min: 0, max: 0.1 };
export const SCHEDULE_SHAPES = ['constant', 'cosine', 'linear'] as const;

/** Every name a space may have, in the order its dimensions take. */
export const DIMENSION_NAMES = ['lr', 'weightDecay', 'beta1', 'momentum', 'beta2', 'warmup', 'schedule'] as const;

/** What a space is read from: the optimizer's range and overrides. */
export interface SpaceSource {
  readonly lrRange: readonly [number, number];
  readonly space?: Readonly<Record<string, Dimension>>;
}

/**
 * The ordered dimensions of an arm's space (the order is the quasirandom sequence's), from
 * its resolved options; `only` keeps the named ones (the learning rate always).
 */
export function searchSpace(
  def: SpaceSource,
  options: Readonly<Record<string, unknown>>,
  how: {
    readonly lrRange?: readonly [number, number];
    readonly schedules?: readonly string[];
    readonly fixedSchedule?: boolean;
    readonly only?: readonly string[];
  } = {},
): [string, Dimension][] {
  const [min, max] = how.lrRange ?? def.lrRange;
  const dims: [string, Dimension][] = [['lr', { scale: 'log', min, max }]];
  const own = (name: string, rule: Dimension): void => {
    if (!how.only || how.only.includes(name)) dims.push([name, def.space?.[name] ?? rule]);
  };
  if ('weightDecay' in options) own('weightDecay', COUPLED_DECAY);
  if ('betas' in options) own('beta1', BETA1);
  if (typeof options.momentum === 'number' && options.momentum > 0) own('momentum', BETA1);
  if ('betas' in options) own('beta2', BETA2);
  if (how.schedules && how.schedules.length > 0 && !how.fixedSchedule) {
    own('warmup', WARMUP);
    own('schedule', { scale: 'choice', values: how.schedules });
  }
  return dims;
}

/** The value of a dimension at coordinate u in [0, 1), rounded to 6 significant digits (1 - β's for β: a readable, stable label). */
export function dimensionValue(d: Dimension, u: number): number | string {
  const round = (x: number): number => Number(x.toPrecision(6));
  switch (d.scale) {
    case 'log':
      return round(Math.exp(Math.log(d.min) + u * (Math.log(d.max) - Math.log(d.min))));
    case 'one-minus-log':
      // 1 - β rounded, not β: near 1 its six digits would leave 1 - β two.
      return 1 - round(Math.exp(Math.log(d.max) + u * (Math.log(d.min) - Math.log(d.max))));
    case 'linear':
      return round(d.min + u * (d.max - d.min));
    case 'choice':
      return d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))]!;
  }
}

/**
 * Where a value lies in its dimension, as the coordinate that gives it (0 at one end, 1 at
 * the other; undefined for a choice): the tuner flags a winner in the outer tenth.
 */
export function dimensionPosition(d: Dimension, value: number | string): number | undefined {
  if (typeof value !== 'number') return undefined;
  switch (d.scale) {
    case 'log':
      return (Math.log(value) - Math.log(d.min)) / (Math.log(d.max) - Math.log(d.min));
    case 'one-minus-log':
      return (Math.log(1 - value) - Math.log(d.max)) / (Math.log(d.min) - Math.log(d.max));
    case 'linear':
      return (value - d.min) / (d.max - d.min);
    case 'choice':
      return undefined;
  }
}

/**
 * The optimizer options (resolved: every option present) and schedule of a point: beta1 and
 * beta2 go into `betas`, warmup (a fraction of `totalSteps`) and schedule into the schedule;
 * the rest are options.
 */
export function applyHyperparameters(
  options: Readonly<Record<string, unknown>>,
  schedule: Schedule | undefined,
  h: Hyperparameters,
  totalSteps: number,
): { options: Record<string, unknown>; schedule: Schedule | undefined } {
  const out: Record<string, unknown> = { ...options };
  for (const [k, v] of Object.entries(h)) if (k !== 'beta1' && k !== 'beta2' && k !== 'warmup' && k !== 'schedule') out[k] = v;
  if ('beta1' in h || 'beta2' in h) {
    const [b1, b2] = options.betas as readonly [number, number];
    out.betas = [(h.beta1 as number | undefined) ?? b1, (h.beta2 as number | undefined) ?? b2];
  }
  if (!('warmup' in h) && !('schedule' in h)) return { options: out, schedule };
  const shape = h.schedule ?? 'constant';
  const then: Schedule = shape === 'cosine' ? { kind: 'cosine' } : shape === 'linear' ? { kind: 'linear' } : { kind: 'constant' };
  const steps = Math.round(((h.warmup as number | undefined) ?? 0) * totalSteps);
  return { options: out, schedule: steps > 0 ? { kind: 'warmup', steps, then } : then };
}
