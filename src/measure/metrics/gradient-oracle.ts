// dLoss/dx through the model's input-gradient session, in evaluation-sized batches.
// The session differentiates the batch-mean loss; multiplying by the batch size gives
// each example's own loss gradient ∂ℓᵢ/∂xᵢ (examples do not interact in these models).
// The attacks' logit losses, the logits alone and the certified margin bounds go through their
// own sessions, batched alike.
import type { Network } from '../../core/model/network.ts';
import type { LogitLossName } from '../../core/model/logit-loss.ts';
import type { BoundName } from '../../core/model/bounds.ts';
import type { GradientOracle } from '../perturb/perturbation.ts';
import { EVAL_BATCH } from './evaluate.ts';

interface Batched {
  readonly dx: Float32Array;
  readonly logits: Float32Array;
}

/** Runs `step` over batches of at most `batch` examples and joins its dx and logits. */
async function batched(
  x: Float32Array,
  count: number,
  batch: number,
  step: (xs: Float32Array, start: number, n: number) => Promise<{ dx?: Float32Array; logits: Float32Array }>,
  dxScale: (n: number) => number,
): Promise<Batched> {
  const d = x.length / count;
  const out = new Float32Array(x.length);
  let logits: Float32Array | undefined;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const r = await step(x.subarray(start * d, (start + n) * d), start, n);
    if (r.dx) {
      const f = dxScale(n);
      if (f === 1) out.set(r.dx.subarray(0, n * d), start * d);
      else for (let i = 0; i < n * d; i++) out[start * d + i] = r.dx[i]! * f;
    }
    const k = r.logits.length / n;
    logits ??= new Float32Array(count * k);
    logits.set(r.logits.subarray(0, n * k), start * k);
  }
  return { dx: out, logits: logits ?? new Float32Array(0) };
}

export function gradientOracle(net: Network, params: readonly Float32Array[], batch = EVAL_BATCH): GradientOracle {
  const y = new BigInt64Array(batch);
  const t = new BigInt64Array(batch);
  const fill = (to: BigInt64Array, from: Uint8Array, start: number, n: number) => {
    for (let i = 0; i < n; i++) to[i] = BigInt(from[start + i]!);
    return to;
  };
  const withLogits = (x: Float32Array, labels: Uint8Array, count: number) =>
    batched(
      x,
      count,
      batch,
      (xs, start, n) => net.inputGrad(params, xs, fill(y, labels, start, n), n),
      (n) => n,
    );
  const lossGrad = (loss: LogitLossName, x: Float32Array, labels: Uint8Array, count: number, targets?: Uint8Array) =>
    batched(
      x,
      count,
      batch,
      (xs, start, n) => net.logitLossGrad(params, loss, xs, fill(y, labels, start, n), n, targets && fill(t, targets, start, n)),
      () => 1,
    );
  const logits = async (x: Float32Array, count: number) =>
    (
      await batched(
        x,
        count,
        batch,
        async (xs, _start, n) => ({ logits: await net.predict(params, xs, n) }),
        () => 1,
      )
    ).logits;
  // The bounds are [n, classes] like logits, so they ride batched()'s logits slot.
  const marginBounds = async (method: BoundName, x: Float32Array, labels: Uint8Array, count: number, eps: number) =>
    (
      await batched(
        x,
        count,
        Math.min(batch, net.boundBatch(method)),
        async (xs, start, n) => ({ logits: await net.marginBounds(method, params, xs, fill(y, labels, start, n), n, eps) }),
        () => 1,
      )
    ).logits;
  return Object.assign(async (x: Float32Array, labels: Uint8Array, count: number) => (await withLogits(x, labels, count)).dx, {
    withLogits,
    lossGrad,
    logits,
    marginBounds,
  });
}

/** Remembers the gradient of one input array (the clean test set), shared by FGSM and the norms. */
export function memoizeFor(oracle: GradientOracle, images: Float32Array): GradientOracle {
  let cached: Promise<Float32Array> | undefined;
  const memo = (x: Float32Array, labels: Uint8Array, count: number) => {
    if (x !== images) return oracle(x, labels, count);
    cached ??= oracle(x, labels, count);
    return cached;
  };
  const { withLogits, lossGrad, logits, marginBounds } = oracle;
  return Object.assign(memo, { withLogits, lossGrad, logits, marginBounds });
}
