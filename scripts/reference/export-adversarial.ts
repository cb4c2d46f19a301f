// Exports what scripts/reference/adversarial_reference.py needs to train PyTorch exactly as
// optrobust's FGSM adversarial training starts: the mlp [64]'s seed-0 initial weights and
// the first epoch's batch order. Run: node --import tsx scripts/reference/export-adversarial.ts OUT.json
import { writeFileSync } from 'node:fs';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng, permutation } from '../../src/core/util/rng.ts';
import { ADVERSARIAL_REFERENCE } from '../../test/helpers/reference-runs.ts';

const ds = loadDataset('fashion-mnist-subset');
const net = new Network(ADVERSARIAL_REFERENCE.model, ds.shape, 10);
const { seed } = ADVERSARIAL_REFERENCE;
writeFileSync(
  process.argv[2] ?? 'adversarial.json',
  JSON.stringify({
    ...ADVERSARIAL_REFERENCE,
    init: net.initWeights(seed).map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
    order: Array.from(permutation(ds.train.count, createRng(seed, 'shuffle'))),
  }),
);
