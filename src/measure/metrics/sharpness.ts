// Sharpness of a solution: the top eigenvalue of the Hessian of the training loss and the
// Hessian's trace, on a fixed subset of the training set (mean cross-entropy over it, in one
// batch, dropout off; batch-norm layers use the subset's batch statistics, as in training).
// Hessian-vector products are exact: forward mode over the training graph's gradients
// (Network.hvp, src/core/onnx/forward-mode.ts), the values PyTorch's double backward gives, with
// a ReLU's or max-pool's derivative held at its mask. (Central differences of gradients, used
// before, cross ReLU kinks at any step float32 can resolve: on mlp [256,128] with 512
// examples they gave negative top eigenvalues; on convolutional networks, products 10-100x
// too large.) The top eigenvalue is found by power iteration, the trace by Hutchinson's
// estimator with Rademacher vectors (its standard error reported beside it).
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import { size } from '../../core/model/layer.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';
import { positiveInt } from '../../core/util/validate.ts';
import { optionBlockProblem, type FieldProblem } from '../../core/util/option-block.ts';

export interface SharpnessOptions {
  /** Training examples in the subset (the first of a seeded permutation). */
  readonly examples: number;
  /** Power-iteration steps at most (stops earlier when the estimate changes by < 1e-4 relative). */
  readonly iterations: number;
  /** Hutchinson samples. */
  readonly samples: number;
  readonly seed: number;
}

export const SHARPNESS_DEFAULTS: Omit<SharpnessOptions, 'seed'> = { examples: 512, iterations: 30, samples: 30 };

const positiveUpTo = (max: number) => (v: unknown) => (positiveInt(v) && v <= max ? undefined : 'a positive integer');
/** The suite's `sharpness` block: each option a positive integer. */
export const sharpnessProblem = (v: unknown): FieldProblem | undefined =>
  optionBlockProblem(
    'sharpness',
    v,
    { examples: positiveUpTo(100_000), iterations: positiveUpTo(100_000), samples: positiveUpTo(100_000) },
    'an object { examples?, iterations?, samples? }',
  );

export interface Sharpness {
  readonly topEigenvalue: number;
  readonly iterations: number;
  readonly trace: number;
  readonly traceStdError: number;
}

const dot = (a: readonly Float32Array[], b: readonly Float32Array[]) => a.reduce((s, t, k) => s + t.reduce((u, v, i) => u + v * b[k]![i]!, 0), 0);
const norm = (a: readonly Float32Array[]) => Math.sqrt(dot(a, a));

/** The examples measured: the first `examples` of a seeded shuffle, the same for every optimizer of a seed. */
export function sharpnessSubset(count: number, examples: number, seed: number): Uint32Array {
  const order = new Uint32Array(count).map((_, i) => i);
  const rng = new BulkRng(seed, 'sharpness:subset');
  for (let i = count - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.subarray(0, Math.min(examples, count));
}

export async function sharpness(net: Network, weights: readonly Float32Array[], data: Split, o: SharpnessOptions): Promise<Sharpness> {
  const order = sharpnessSubset(data.count, o.examples, o.seed);
  const n = order.length;
  const d = data.images.length / data.count;
  const x = new Float32Array(n * d);
  const y = new BigInt64Array(n);
  for (let k = 0; k < n; k++) {
    x.set(data.images.subarray(order[k]! * d, order[k]! * d + d), k * d);
    y[k] = BigInt(data.labels[order[k]!]!);
  }
  const masks = net.noise.map((z) => new Float32Array(n * size(z.shape)).fill(1));
  const params = weights.slice(0, net.params.length);
  /** H·u. */
  const hvp = (u: readonly Float32Array[]) => net.hvp(weights, u, x, y, n, masks);
  const normalise = (v: Float32Array[]) => {
    const s = norm(v);
    return v.map((t) => t.map((a) => a / s));
  };
  const draw = new BulkRng(o.seed, 'sharpness:vectors');
  let v = normalise(
    params.map((t) => {
      const z = new Float32Array(t.length);
      draw.fillNormal(z);
      return z;
    }),
  );
  let lambda = 0;
  let used = 0;
  for (let it = 1; it <= o.iterations; it++) {
    const hv = await hvp(v);
    const next = dot(v, hv);
    used = it;
    const converged = it > 1 && Math.abs(next - lambda) <= 1e-4 * Math.abs(next);
    lambda = next;
    v = normalise(hv);
    if (converged) break;
  }
  // zᵀHz for Rademacher z = P·uᵀHu with u = z/√P (P parameters), so the product is taken along a unit vector.
  const count = params.reduce((a, t) => a + t.length, 0);
  const estimates: number[] = [];
  for (let s = 0; s < o.samples; s++) {
    const u = params.map((t) => {
      const r = new Float32Array(t.length);
      for (let i = 0; i < r.length; i++) r[i] = (draw.nextUint32() & 1 ? 1 : -1) / Math.sqrt(count);
      return r;
    });
    estimates.push(count * dot(u, await hvp(u)));
  }
  const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
  const variance = estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, estimates.length - 1);
  return { topEigenvalue: lambda, iterations: used, trace: mean, traceStdError: Math.sqrt(variance / estimates.length) };
}
