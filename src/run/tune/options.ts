// The `tune` block of a suite: its options, their defaults (read by every phase and report
// that uses them) and their checks.
import { positiveInt } from '../../core/util/validate.ts';
import { optionBlockProblem, type FieldProblem } from '../../core/util/option-block.ts';

/** The fair-comparison protocol: tune each optimizer's learning rate on a validation split first. */
export interface TuneSpec {
  /** Learning rates per optimizer, log-spaced over its range (default 7). */
  readonly points?: number;
  /** Per optimizer label, the range [min, max] to search (default: the optimizer's own lrRange). */
  readonly ranges?: Readonly<Record<string, readonly [number, number]>>;
  /** Seeds of the tuning runs (default: the suite's first seed). */
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
export const TUNE_DEFAULTS = { points: 7, validationFraction: 0.1, metric: 'accuracy', checkpoints: 40 } as const;

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
        points: (v) => (Number.isInteger(v) && (v as number) >= 2 ? undefined : 'an integer >= 2'),
        ranges: () => undefined,
        seeds: (v) => (Array.isArray(v) && v.length > 0 && v.every(isSeed) ? undefined : `a non-empty list of integers in ${seedRange}`),
        validationFraction: (v) => ((v as number) > 0 && (v as number) < 0.5 ? undefined : 'a number in (0, 0.5)'),
        metric: (v) => (v === 'accuracy' || v === 'loss' ? undefined : '"accuracy" or "loss"'),
        matchTarget: (v) => ((v as number) > 0 && (v as number) < 1 ? undefined : 'a validation accuracy in (0, 1)'),
        checkpoints: (v) => (positiveInt(v) && v <= 1000 ? undefined : 'checkpoints per epoch: an integer from 1 to 1000'),
      },
      'an object',
    ) ?? rangesProblem((t as { ranges?: unknown } | undefined)?.ranges, labels)
  );
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
