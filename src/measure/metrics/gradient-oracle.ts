// dLoss/dx through the model's input-gradient session, in evaluation-sized batches.
// The session differentiates the batch-mean loss; multiplying by the batch size gives
// each example's own loss gradient ∂ℓᵢ/∂xᵢ (examples do not interact in these models).
import type { Network } from '../../core/model/network.ts';
import type { GradientOracle } from '../perturb/perturbation.ts';
import { EVAL_BATCH } from './evaluate.ts';

export function gradientOracle(net: Network, params: readonly Float32Array[], batch = EVAL_BATCH): GradientOracle {
  const withLogits = async (x: Float32Array, labels: Uint8Array, count: number) => {
    const d = x.length / count;
    const out = new Float32Array(x.length);
    let logits: Float32Array | undefined;
    const y = new BigInt64Array(batch);
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      for (let i = 0; i < n; i++) y[i] = BigInt(labels[start + i]!);
      const r = await net.inputGrad(params, x.subarray(start * d, (start + n) * d), y, n);
      for (let i = 0; i < n * d; i++) out[start * d + i] = r.dx[i]! * n;
      const k = r.logits.length / n;
      logits ??= new Float32Array(count * k);
      logits.set(r.logits.subarray(0, n * k), start * k);
    }
    return { dx: out, logits: logits ?? new Float32Array(0) };
  };
  return Object.assign(async (x: Float32Array, labels: Uint8Array, count: number) => (await withLogits(x, labels, count)).dx, { withLogits });
}

/** Remembers the gradient of one input array (the clean test set), shared by FGSM and the norms. */
export function memoizeFor(oracle: GradientOracle, images: Float32Array): GradientOracle {
  let cached: Promise<Float32Array> | undefined;
  const memo = (x: Float32Array, labels: Uint8Array, count: number) => {
    if (x !== images) return oracle(x, labels, count);
    cached ??= oracle(x, labels, count);
    return cached;
  };
  return oracle.withLogits ? Object.assign(memo, { withLogits: oracle.withLogits }) : memo;
}
