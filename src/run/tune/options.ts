// The `tune` block of a suite: its options, their defaults (read by every phase and report
// that uses them) and their checks.
import { positiveInt } from '../../core/util/validate.ts';
import { DIMENSION_NAMES, SCHEDULE_SHAPES } from '../../core/optim/space.ts';
import { optionBlockProblem, type FieldProblem } from '../../core/util/option-block.ts';

/** The fair-comparison protocol: tune each optimizer's hyperparameters on a validation split first. */
export interface TuneSpec {
  /**
   * 'quasirandom' (default): `budget` points of a scrambled Halton sequence over each
   * optimizer's whole search space (src/core/optim/space.ts); 'grid': the learning rate
   * alone, at `points` log-spaced rates.
   */
  readonly method?: 'quasirandom' | 'grid';
  /** Trials per optimizer, the same for every one (quasirandom; default 8). */
  readonly budget?: number;
  /** Smaller budgets to re-choose at from the same trials (nested prefixes): does the ranking hold as the budget grows? */
  readonly budgets?: readonly number[];
  /** The hyperparameters to search (quasirandom; default every one the optimizer has: src/core/optim/space.ts); the learning rate always. */
  readonly search?: readonly string[];
  /** Schedule shapes to search, with a warmup fraction (quasirandom): any of constant, cosine, linear. */
  readonly schedules?: readonly string[];
  /** Learning rates per optimizer, log-spaced over its range (grid; default 7). */
  readonly points?: number;
  /** Per optimizer label, the learning-rate range [min, max] to search (default: the optimizer's own lrRange). */
  readonly ranges?: Readonly<Record<string, readonly [number, number]>>;
  /** Seeds of the tuning runs, each trial's score their mean (default: the suite's first two seeds). */
  readonly seeds?: readonly number[];
  /** Fraction of the training set held out for validation (default 0.1). */
  readonly validationFraction?: number;
  /** Validation metric that picks the learning rate (default accuracy). */
  readonly metric?: 'accuracy' | 'loss';
  /** Matched-accuracy target (validation accuracy); default: the lowest final one among the optimizers. */
  readonly matchTarget?: number;
  /** Validation checkpoints per epoch the matched checkpoint is chosen from (default 40: the matched gap within 0.5 points on the default suite). */
  readonly checkpoints?: number;
}

/** The defaults of the options that have one independent of the suite. */
export const TUNE_DEFAULTS = {
  method: 'quasirandom',
  budget: 8,
  seedCount: 2,
  points: 7,
  validationFraction: 0.1,
  metric: 'accuracy',
  checkpoints: 40,
} as const;

/** A tuning budget's bounds: enough trials to say something, few enough to finish. */
const MAX_BUDGET = 256;

/**
 * The first problem of a `tune` block; `labels` are the suite's optimizer labels (ranges are
 * per label) and `isSeed` says what a seed may be.
 */
export function tuneProblem(t: unknown, labels: readonly string[], isSeed: (v: unknown) => boolean, seedRange: string): FieldProblem | undefined {
  return (
    optionBlockProblem(
      'tune',
      t,
      {
        method: (v) => (v === 'quasirandom' || v === 'grid' ? undefined : '"quasirandom" or "grid"'),
        budget: (v) => (positiveInt(v) && v <= MAX_BUDGET ? undefined : `trials per optimizer: an integer from 1 to ${MAX_BUDGET}`),
        budgets: (v) =>
          Array.isArray(v) && v.length > 0 && v.every((b) => positiveInt(b) && b <= MAX_BUDGET) && v.every((b, i) => i === 0 || b > v[i - 1])
            ? undefined
            : `a non-empty increasing list of trial counts from 1 to ${MAX_BUDGET}`,
        search: (v) =>
          Array.isArray(v) && v.every((x) => (DIMENSION_NAMES as readonly unknown[]).includes(x)) && new Set(v).size === v.length
            ? undefined
            : `a list of distinct hyperparameter names from ${DIMENSION_NAMES.join(', ')}`,
        schedules: (v) =>
          Array.isArray(v) && v.length > 0 && v.every((x) => (SCHEDULE_SHAPES as readonly unknown[]).includes(x)) && new Set(v).size === v.length
            ? undefined
            : `a non-empty list of distinct schedule shapes from ${SCHEDULE_SHAPES.join(', ')}`,
        points: (v) => (Number.isInteger(v) && (v as number) >= 2 ? undefined : 'an integer >= 2'),
        ranges: () => undefined,
        seeds: (v) => (Array.isArray(v) && v.length > 0 && v.every(isSeed) ? undefined : `a non-empty list of integers in ${seedRange}`),
        validationFraction: (v) => ((v as number) > 0 && (v as number) < 0.5 ? undefined : 'a number in (0, 0.5)'),
        metric: (v) => (v === 'accuracy' || v === 'loss' ? undefined : '"accuracy" or "loss"'),
        matchTarget: (v) => ((v as number) > 0 && (v as number) < 1 ? undefined : 'a validation accuracy in (0, 1)'),
        checkpoints: (v) => (positiveInt(v) && v <= 1000 ? undefined : 'checkpoints per epoch: an integer from 1 to 1000'),
      },
      'an object',
    ) ??
    rangesProblem((t as { ranges?: unknown } | undefined)?.ranges, labels) ??
    methodProblem(t as TuneSpec | undefined)
  );
}

/** The method a tune block asks for: its own, else a grid when it gives `points` (as suites before quasirandom tuning did), else the default. */
export const tuneMethodOf = (t: TuneSpec): 'quasirandom' | 'grid' => t.method ?? (t.points !== undefined ? 'grid' : TUNE_DEFAULTS.method);

/** Options of one method given to the other, and budgets beyond the budget. */
function methodProblem(t: TuneSpec | undefined): FieldProblem | undefined {
  if (!t) return undefined;
  const method = tuneMethodOf(t);
  if (method === 'grid') {
    for (const k of ['budget', 'budgets', 'schedules', 'search'] as const)
      if (t[k] !== undefined)
        return [`tune.${k}`, t[k], 'nothing with tune.method "grid" (it searches the learning rate alone): remove it or use "quasirandom"'];
    return undefined;
  }
  if (t.points !== undefined) return ['tune.points', t.points, 'nothing with tune.method "quasirandom" (set tune.budget, or tune.method: "grid")'];
  const budget = t.budget ?? TUNE_DEFAULTS.budget;
  const last = t.budgets?.[t.budgets.length - 1];
  if (last !== undefined && last > budget) return ['tune.budgets', t.budgets, `budgets up to tune.budget (${budget}): they are prefixes of its trials`];
  return undefined;
}

function rangesProblem(ranges: unknown, labels: readonly string[]): FieldProblem | undefined {
  if (ranges === undefined) return undefined;
  if (typeof ranges !== 'object' || ranges === null || Array.isArray(ranges)) return ['tune.ranges', ranges, 'an object { optimizer label: [min, max] }'];
  for (const [label, r] of Object.entries(ranges)) {
    if (!labels.includes(label)) return [`tune.ranges.${label}`, r, `an optimizer label of this suite (${labels.join(', ')})`];
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] > 0 && r[1] > r[0] && Number.isFinite(r[1])))
      return [`tune.ranges.${label}`, r, 'a range [min, max] with 0 < min < max, both finite'];
  }
  return undefined;
}
