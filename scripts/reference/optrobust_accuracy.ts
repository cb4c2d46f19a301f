// optrobust's side of the end-to-end reference: the same configurations as
// scripts/reference/train_reference.py, over seeds 0..N-1, printing per-seed test
// accuracy, the seeds 0-2 mean and the N-seed mean and standard deviation.
// Run: node --import tsx scripts/reference/optrobust_accuracy.ts [mlp|cnn] [N]
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { describe } from '../../src/measure/metrics/stats.ts';
import { REFERENCE_RUNS } from '../../test/helpers/reference-runs.ts';

const kind = process.argv[2] ?? 'mlp';
const seeds = Number(process.argv[3] ?? 3);
const run = REFERENCE_RUNS.find((r) => r.model.kind === kind);
if (!run) throw new Error(`unknown model "${kind}"; expected mlp or cnn`);
const ds = loadDataset('fashion-mnist-subset');
const net = new Network(run.model, ds.shape, ds.numClasses);
const accs: number[] = [];
for (let seed = 0; seed < seeds; seed++) {
  const r = await train(net, ds.train, { seed, epochs: run.epochs, batchSize: run.batchSize, optimizer: 'sgd', optimizerOptions: { lr: run.lr } });
  accs.push((await evaluate(net, r.weights, ds.test)).accuracy);
  process.stdout.write(`${kind} seed ${seed}: ${accs[seed]}\n`);
}
const all = describe(accs);
process.stdout.write(
  `${kind}: seeds 0-2 mean ${describe(accs.slice(0, 3)).mean.toFixed(4)}; ${seeds} seeds mean ${all.mean.toFixed(4)} std ${all.std.toFixed(4)}\n`,
);
