// dLoss/dx through the model's input-gradient session, in evaluation-sized batches.
// The session differentiates the batch-mean loss; multiplying by the batch size gives
// each example's own loss gradient ∂ℓᵢ/∂xᵢ (examples do not interact in these models).
import type { Network } from '../model/network.ts';
import type { GradientOracle } from '../perturb/perturbation.ts';
import { EVAL_BATCH } from './evaluate.ts';

export function gradientOracle(net: Network, params: readonly Float32Array[], batch = EVAL_BATCH): GradientOracle {
  return async (x, labels, count) => {
    const d = x.length / count;
    const out = new Float32Array(x.length);
    const y = new BigInt64Array(batch);
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      for (let i = 0; i < n; i++) y[i] = BigInt(labels[start + i]!);
      const { dx } = await net.inputGrad(params, x.subarray(start * d, (start + n) * d), y, n);
      for (let i = 0; i < n * d; i++) out[start * d + i] = dx[i]! * n;
    }
    return out;
  };
}

/** Remembers the gradient of one input array (the clean test set), shared by FGSM and the norms. */
export function memoizeFor(oracle: GradientOracle, images: Float32Array): GradientOracle {
  let cached: Promise<Float32Array> | undefined;
  return (x, labels, count) => {
    if (x !== images) return oracle(x, labels, count);
    cached ??= oracle(x, labels, count);
    return cached;
  };
}
