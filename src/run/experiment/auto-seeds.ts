// `seeds: { auto: {...} }` (--seeds auto): the options of the sequential seed procedure
// (src/measure/metrics/sequential.ts), their defaults and checks, and the seeds a run may
// use. The procedure itself reads a run's results (src/run/results/auto-seeds.ts); the
// runner adds seeds look by look until every headline comparison is decided or `max`.
import { optionBlockProblem, type FieldProblem } from '../../core/util/option-block.ts';
import { positiveInt } from '../../core/util/validate.ts';

export interface AutoSeeds {
  /** Seeds at the first look (default 3; at least 2: an interval needs a spread). */
  readonly min: number;
  /** The cap (default 10). */
  readonly max: number;
  /** Seeds added per look (default 1). */
  readonly round: number;
  /** Within ±delta (accuracy, a fraction: 0.02 is 2 points) the arms count as equivalent (default 0.02). */
  readonly delta: number;
  /** The error rate per comparison the procedure keeps over all its looks (default 0.05). */
  readonly alpha: number;
  /** The first seed; the seeds are first, first + 1, ... (default 0). */
  readonly first: number;
}

export const AUTO_SEEDS_DEFAULTS: AutoSeeds = { min: 3, max: 10, round: 1, delta: 0.02, alpha: 0.05, first: 0 };

/** The largest cap: a run of more seeds is a different study. */
const MAX_CAP = 1000;

/** A look's seed count: at least 2 (an interval needs a spread). */
const seedCount = (v: unknown): string | undefined =>
  Number.isInteger(v) && (v as number) >= 2 && (v as number) <= MAX_CAP ? undefined : `an integer from 2 to ${MAX_CAP}`;

/** The first problem of a `seeds.auto` block; `maxSeed` is the largest seed there is. */
export function autoSeedsProblem(a: unknown, maxSeed: number): FieldProblem | undefined {
  const problem = optionBlockProblem(
    'seeds.auto',
    a,
    {
      min: seedCount,
      max: seedCount,
      round: (v) => (positiveInt(v) && v <= MAX_CAP ? undefined : `an integer from 1 to ${MAX_CAP}`),
      delta: (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : 'an accuracy difference in (0, 1), e.g. 0.02 for 2 points'),
      alpha: (v) => (typeof v === 'number' && v > 0 && v < 0.5 ? undefined : 'an error rate in (0, 0.5)'),
      first: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= maxSeed ? undefined : `a seed in 0..${maxSeed}`),
    },
    'an object { min, max, round, delta, alpha, first }',
  );
  if (problem) return problem;
  const o = resolveAutoSeeds(a as Partial<AutoSeeds>);
  if (o.max < o.min) return ['seeds.auto.max', o.max, `at least seeds.auto.min (${o.min})`];
  if (o.first + o.max - 1 > maxSeed) return ['seeds.auto.first', o.first, `a first seed that leaves room for max seeds (at most ${maxSeed - o.max + 1})`];
  return undefined;
}

export const resolveAutoSeeds = (a: Partial<AutoSeeds> | undefined): AutoSeeds => ({ ...AUTO_SEEDS_DEFAULTS, ...a });

/** Every seed the procedure may use, in order: the candidates a look takes its first n of. */
export const candidateSeeds = (a: AutoSeeds): number[] => Array.from({ length: a.max }, (_, i) => a.first + i);
