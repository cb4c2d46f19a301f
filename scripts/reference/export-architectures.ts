// Exports optrobust's initial weights (parameters then buffers, by name) and batch orders
// for the architecture references (test/helpers/architecture-runs.ts), so that
// scripts/reference/architectures_reference.py trains PyTorch from exactly the same start.
// Run: node --import tsx scripts/reference/export-architectures.ts OUT.json
import { writeFileSync } from 'node:fs';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng, permutation } from '../../src/core/util/rng.ts';
import { ARCHITECTURE_RUNS } from '../../test/helpers/architecture-runs.ts';

const ds = loadDataset('fashion-mnist-subset');
const out: Record<string, unknown> = {};
for (const run of ARCHITECTURE_RUNS) {
  const net = new Network(run.model, ds.shape, 10);
  const names = [...net.params, ...net.buffers].map((p) => ({ name: p.name, shape: p.shape }));
  out[run.name] = {
    model: run.model,
    optimizer: run.optimizer,
    lr: run.lr,
    momentum: run.momentum ?? 0,
    batchSize: run.batchSize,
    epochs: run.epochs,
    tensors: names,
    seeds: run.seeds.map((seed) => {
      const rng = createRng(seed, 'shuffle');
      return {
        seed,
        init: net.initWeights(seed).map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
        orders: Array.from({ length: run.epochs }, () => Array.from(permutation(ds.train.count, rng))),
      };
    }),
  };
}
writeFileSync(process.argv[2] ?? 'architectures.json', JSON.stringify(out));
