// Exports optrobust's batch order of the embedded subset for seed 0 (one epoch), for
// reference scripts that train PyTorch on the same batches.
// Run: node --import tsx scripts/reference/export-orders.ts OUT.json
import { writeFileSync } from 'node:fs';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng, permutation } from '../../src/core/util/rng.ts';

const ds = loadDataset('fashion-mnist-subset');
writeFileSync(process.argv[2] ?? 'orders.json', JSON.stringify({ seed0: Array.from(permutation(ds.train.count, createRng(0, 'shuffle'))) }));
