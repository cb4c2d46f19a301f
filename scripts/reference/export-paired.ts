// Exports optrobust's initial weights and batch orders for the reference configurations,
// so that scripts/reference/train_reference.py can train PyTorch from exactly the same
// starting point and data order ("paired" reference).
// Run: node --import tsx scripts/reference/export-paired.ts OUT.json
import { writeFileSync } from 'node:fs';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng, permutation } from '../../src/core/util/rng.ts';
import { REFERENCE_RUNS } from '../../test/helpers/reference-runs.ts';

const ds = loadDataset('fashion-mnist-subset');
const out: Record<string, unknown[]> = {};
for (const run of REFERENCE_RUNS) {
  const net = new Network(run.model, ds.shape, 10);
  out[run.model.kind] = run.seeds.map((seed) => {
    const rng = createRng(seed, 'shuffle');
    return {
      seed,
      init: net.initWeights(seed).map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
      orders: Array.from({ length: run.epochs }, () => Array.from(permutation(ds.train.count, rng))),
    };
  });
}
writeFileSync(process.argv[2] ?? 'paired.json', JSON.stringify(out));
