// A small MLP trained on part of the Fashion-MNIST subset, and the accuracy an attack
// leaves it on 300 test images: for tests that compare attacks' strength on a real model.
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { createRng } from '../../src/core/util/rng.ts';
import type { Perturbation } from '../../src/measure/perturb/perturbation.ts';

export interface AttackedModel {
  readonly clean: number;
  readonly accuracy: (p: Perturbation, eps: number) => Promise<number>;
  readonly net: Network;
  readonly weights: Float32Array[];
  readonly test: { readonly images: Float32Array; readonly labels: Uint8Array; readonly count: number };
}

export async function attackedModel(): Promise<AttackedModel> {
  const ds = loadDataset('fashion-mnist-subset');
  const data = { images: ds.train.images.subarray(0, 1024 * 784), labels: ds.train.labels.subarray(0, 1024), count: 1024 };
  const test = { images: ds.test.images.subarray(0, 300 * 784), labels: ds.test.labels.subarray(0, 300), count: 300 };
  const net = new Network({ kind: 'mlp', hidden: [32] }, ds.shape, 10);
  const { weights } = await train(net, data, { seed: 0, epochs: 3, batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 3e-3 } });
  const accuracy = async (p: Perturbation, eps: number) => {
    const adv = await p.apply({ ...test, shape: ds.shape, rng: createRng(0, `perturb:${p.name}:${eps}`), gradient: gradientOracle(net, weights) }, eps);
    return (await evaluate(net, weights, test, adv)).accuracy;
  };
  return { clean: (await evaluate(net, weights, test)).accuracy, accuracy, net, weights, test };
}

/** The model's first n test images as a perturbation takes them, a fresh stream per eps, and the fraction `p` certifies. */
export function attackInputs(m: AttackedModel, n: number) {
  const test = { images: m.test.images.subarray(0, n * 784), labels: m.test.labels.subarray(0, n), count: n };
  const input = (eps: number) => ({ ...test, shape: [1, 28, 28] as const, rng: createRng(0, `perturb:x:${eps}`), gradient: gradientOracle(m.net, m.weights) });
  const certified = async (p: Perturbation, eps: number) => (await p.certify!(input(eps), eps)).reduce((a, b) => a + b, 0) / n;
  return { test, input, certified };
}
