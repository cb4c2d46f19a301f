// Each example's minimal adversarial L∞ radius: the smallest eps at which PGD misclassifies
// it, found by bisection over the budget (all examples at once, each with its own eps), and
// its median over the examples: the cell's median robust radius. The attack is the
// evaluation's PGD without its random start (k sign steps of 2.5·eps/k, projected onto the
// eps-ball and [0, 1]), so that a larger budget never starts from a different point; an
// example counts as broken when any iterate is misclassified. A clean misclassification has
// radius 0; an example PGD cannot break within `max` has radius Infinity (beyond the range
// searched, not an estimate), so the median is Infinity when more than half are. Non-finite
// logits at any iterate leave the radius undefined: NaN, never a radius read off NaN logits.
import type { GradientOracle } from '../perturb/perturbation.ts';
import type { Split } from '../../core/data/dataset.ts';
import { clip01 } from '../perturb/perturbation.ts';
import { finiteRow } from './classification.ts';
import { positiveInt } from '../../core/util/validate.ts';
import { optionBlockProblem, type FieldProblem } from '../../core/util/option-block.ts';

export interface RobustRadiusOptions {
  /** The largest L∞ budget searched. */
  readonly max: number;
  /** Bisection steps: the radius is known to within max / 2^iterations. */
  readonly iterations: number;
  /** PGD steps per attack. */
  readonly steps: number;
  /** The first this many test examples. */
  readonly examples: number;
}

export const ROBUST_RADIUS_DEFAULTS: RobustRadiusOptions = { max: 0.5, iterations: 8, steps: 10, examples: 500 };

const atMost100 = (v: unknown) => (positiveInt(v) && v <= 100 ? undefined : 'a positive integer, at most 100');
/** The suite's `robustRadius` block. */
export const robustRadiusProblem = (v: unknown): FieldProblem | undefined =>
  optionBlockProblem(
    'robustRadius',
    v,
    {
      max: (x) => (typeof x === 'number' && x > 0 && x <= 1 ? undefined : 'a number in (0, 1] (an L-inf budget on [0, 1] pixels)'),
      iterations: atMost100,
      steps: atMost100,
      examples: (x) => (positiveInt(x) && x <= 1_000_000 ? undefined : 'a positive integer'),
    },
    'an object { max?, iterations?, steps?, examples? }',
  );

export interface RobustRadius {
  /** Median over the examples of the minimal radius (upper end of its bisection bracket). */
  readonly median: number;
  /** Examples measured. */
  readonly examples: number;
  /** Examples not broken at `max`. */
  readonly unbroken: number;
}

/** Whether each example is misclassified at some iterate of PGD with its own budget eps[i]; undefined when a logit was not finite. */
async function broken(
  oracle: GradientOracle,
  images: Float32Array,
  labels: Uint8Array,
  n: number,
  eps: Float64Array,
  steps: number,
): Promise<Uint8Array | undefined> {
  const withLogits = oracle.withLogits;
  if (!withLogits) throw new Error('robust radius: needs a gradient oracle with logits');
  const d = images.length / n;
  const x = Float32Array.from(images);
  const out = new Uint8Array(n);
  for (let k = 0; k <= steps; k++) {
    const { dx, logits } = await withLogits(x, labels, n);
    const classes = logits.length / n;
    for (let i = 0; i < n; i++) {
      if (!finiteRow(logits, i, classes)) return undefined;
      let best = 0;
      for (let c = 1; c < classes; c++) if (logits[i * classes + c]! > logits[i * classes + best]!) best = c;
      if (best !== labels[i]) out[i] = 1;
    }
    if (k === steps) break;
    for (let i = 0; i < n; i++) {
      const e = eps[i]!;
      const alpha = (2.5 * e) / steps;
      for (let j = i * d; j < (i + 1) * d; j++) {
        const x0 = images[j]!;
        x[j] = clip01(Math.min(x0 + e, Math.max(x0 - e, x[j]! + alpha * Math.sign(dx[j]!))));
      }
    }
  }
  return out;
}

export async function robustRadius(oracle: GradientOracle, test: Split, o: RobustRadiusOptions = ROBUST_RADIUS_DEFAULTS): Promise<RobustRadius> {
  const n = Math.min(o.examples, test.count);
  const d = test.images.length / test.count;
  const images = test.images.subarray(0, n * d);
  const labels = test.labels.subarray(0, n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n).fill(o.max);
  const atZero = await broken(oracle, images, labels, n, new Float64Array(n), 0);
  const atMax = await broken(oracle, images, labels, n, hi, o.steps);
  const undefinedRadius = { median: Number.NaN, examples: n, unbroken: Number.NaN };
  if (!atZero || !atMax) return undefinedRadius;
  for (let b = 0; b < o.iterations; b++) {
    const mid = Float64Array.from(lo, (l, i) => (l + hi[i]!) / 2);
    const hit = await broken(oracle, images, labels, n, mid, o.steps);
    if (!hit) return undefinedRadius;
    for (let i = 0; i < n; i++) {
      if (hit[i]) hi[i] = mid[i]!;
      else lo[i] = mid[i]!;
    }
  }
  const radii = Array.from(hi, (h, i) => (atZero[i] ? 0 : atMax[i] ? h : Number.POSITIVE_INFINITY));
  return { median: medianWithInfinity(radii), examples: n, unbroken: radii.filter((r) => r === Number.POSITIVE_INFINITY).length };
}

/** The median, Infinity counted as the largest value (summary.ts's median drops non-finite values). */
function medianWithInfinity(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}
