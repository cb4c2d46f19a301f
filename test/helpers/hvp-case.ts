// One Hessian-vector-product reference case (reference-runs.ts HVP_REFERENCES), built the same
// way by the test and by the script that exports it to PyTorch (scripts/reference/export-hvp.ts).
import { loadDataset } from '../../src/core/data/sources.ts';
import { sharpnessSubset } from '../../src/measure/metrics/sharpness.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { BulkRng } from '../../src/core/util/bulk-rng.ts';
import type { HvpReference } from './reference-runs.ts';

export const HVP_TRAIN_EXAMPLES = 1024;

export interface HvpCase {
  readonly net: Network;
  readonly weights: Float32Array[];
  /** The first 1,024 training images, which the measured subset is drawn from. */
  readonly data: { images: Float32Array; labels: Uint8Array; count: number };
  readonly subset: Uint32Array;
  readonly x: Float32Array;
  readonly y: BigInt64Array;
  readonly v: Float32Array[];
  readonly u: Float32Array[];
}

/** A seeded direction of unit norm over all parameter tensors. */
function direction(net: Network, seed: number, purpose: string): Float32Array[] {
  const rng = new BulkRng(seed, purpose);
  const v = net.params.map((p) => {
    const z = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    rng.fillNormal(z);
    return z;
  });
  const norm = Math.sqrt(v.reduce((a, t) => a + t.reduce((b, c) => b + c * c, 0), 0));
  return v.map((t) => t.map((a) => a / norm));
}

export async function hvpCase(ref: HvpReference): Promise<HvpCase> {
  const ds = loadDataset('fashion-mnist-subset');
  const d = ds.shape.reduce((a, b) => a * b, 1);
  const net = new Network(ref.model, ds.shape, 10);
  const data = {
    images: ds.train.images.subarray(0, HVP_TRAIN_EXAMPLES * d),
    labels: ds.train.labels.subarray(0, HVP_TRAIN_EXAMPLES),
    count: HVP_TRAIN_EXAMPLES,
  };
  const weights =
    ref.trained > 0
      ? (await train(net, data, { seed: ref.seed, epochs: ref.trained, batchSize: 64, optimizer: 'sgd', optimizerOptions: { lr: 0.1 } })).weights
      : net.initWeights(ref.seed);
  const subset = sharpnessSubset(HVP_TRAIN_EXAMPLES, ref.examples, ref.seed);
  const x = new Float32Array(subset.length * d);
  const y = new BigInt64Array(subset.length);
  subset.forEach((k, i) => {
    x.set(data.images.subarray(k * d, (k + 1) * d), i * d);
    y[i] = BigInt(data.labels[k]!);
  });
  return { net, weights, data, subset, x, y, v: direction(net, ref.seed, 'hvp:v'), u: direction(net, ref.seed, 'hvp:u') };
}
