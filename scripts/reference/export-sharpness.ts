// Exports a small trained MLP and the training subset src/measure/metrics/sharpness.ts measures, for
// scripts/reference/sharpness_reference.py (PyTorch's exact autograd Hessian-vector products).
// Run: node --import tsx scripts/reference/export-sharpness.ts OUT.json
import { writeFileSync } from 'node:fs';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { train } from '../../src/run/train/train.ts';
import { SHARPNESS_REFERENCE } from '../../test/helpers/reference-runs.ts';
import { sharpnessSubset } from '../../src/measure/metrics/sharpness.ts';

const ds = loadDataset('fashion-mnist-subset');
const { model, seed, trainExamples, examples } = SHARPNESS_REFERENCE;
const net = new Network(model, ds.shape, 10);
const data = { images: ds.train.images.subarray(0, trainExamples * 784), labels: ds.train.labels.subarray(0, trainExamples), count: trainExamples };
const { weights } = await train(net, data, { seed, epochs: 2, batchSize: 64, optimizer: 'sgd', optimizerOptions: { lr: 0.1 } });
writeFileSync(
  process.argv[2] ?? 'sharpness.json',
  JSON.stringify({
    ...SHARPNESS_REFERENCE,
    subset: Array.from(sharpnessSubset(trainExamples, examples, seed)),
    weights: weights.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
  }),
);
net.release();
