// `npm run perf:checkpoints`: what a mid-cell checkpoint costs per model family and optimizer:
// its size on disk, the time to take the state and write it durably (serialise, hash, write,
// fsync, rename), and the time to read it back; then the overhead at the default interval
// (one write per CHECKPOINT_EVERY seconds of training). The state is a real one: the model
// trained a few steps on the suite's data shape (random pixels; the cost does not depend on
// them). A long cell's step records are in every checkpoint too: --records N sizes that part
// for a cell of N steps (the nightly CNN cell: 10 epochs of 469 steps).
//   node --import tsx bench/checkpoints.ts [--repeats 5] [--records 4690]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Network } from '../src/core/model/network.ts';
import type { ModelSpec } from '../src/core/model/families/registry.ts';
import { train, type TrainState } from '../src/run/train/train.ts';
import { checkpointFile, readCheckpoint, writeCheckpoint } from '../src/run/experiment/checkpoints.ts';
import { CHECKPOINT_EVERY } from '../src/runner/pool.ts';
import type { Split } from '../src/core/data/dataset.ts';

const { values: flags } = parseArgs({ options: { repeats: { type: 'string', default: '5' }, records: { type: 'string', default: '4690' } } });
const repeats = Number(flags.repeats);
const records = Number(flags.records);

const CASES: { label: string; spec: ModelSpec; shape: [number, number, number]; optimizer: string }[] = [
  { label: 'mlp [256, 128] (default suite)', spec: { kind: 'mlp', hidden: [256, 128] }, shape: [1, 28, 28], optimizer: 'adam' },
  { label: 'mlp [256, 128]', spec: { kind: 'mlp', hidden: [256, 128] }, shape: [1, 28, 28], optimizer: 'sgd' },
  { label: 'mlp [256, 128]', spec: { kind: 'mlp', hidden: [256, 128] }, shape: [1, 28, 28], optimizer: 'schedulefree_adamw' },
  { label: 'cnn (nightly)', spec: { kind: 'cnn' }, shape: [1, 28, 28], optimizer: 'adam' },
  { label: 'cnn (nightly)', spec: { kind: 'cnn' }, shape: [1, 28, 28], optimizer: 'sophia' },
  { label: 'lenet5', spec: { kind: 'lenet5' }, shape: [1, 28, 28], optimizer: 'adam' },
  { label: 'resnet-20, CIFAR-10', spec: { kind: 'resnet', depth: 20 }, shape: [3, 32, 32], optimizer: 'adam' },
];

function randomSplit(shape: [number, number, number], count: number): Split {
  const d = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(count * d);
  for (let i = 0; i < images.length; i++) images[i] = ((i * 2654435761) % 1000) / 1000;
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'optrobust-ckpt-bench-'));
const rows: string[] = [];
for (const c of CASES) {
  const net = new Network(c.spec, c.shape, 10);
  let state: TrainState | undefined;
  const split = randomSplit(c.shape, 64 * 4);
  await train(net, split, {
    seed: 0,
    epochs: 1,
    batchSize: 64,
    optimizer: c.optimizer,
    snapshots: { due: () => true, stopping: () => false, save: (s) => void (state = structuredClone(s)) },
  });
  const s = state!;
  // The step records of a long cell: the recorded ones repeated to `records` steps.
  const long = { ...s, steps: Array.from({ length: records }, (_, i) => structuredClone({ ...s.steps[i % s.steps.length]!, step: i + 1 })) };
  const params = net.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const write: number[] = [];
  const read: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    writeCheckpoint(dir, 'bench', c.label + c.optimizer, { step: s.step, trained: false }, { train: long });
    write.push(performance.now() - t);
    t = performance.now();
    readCheckpoint(dir, 'bench', c.label + c.optimizer);
    read.push(performance.now() - t);
  }
  const bytes = statSync(checkpointFile(dir, c.label + c.optimizer)).size;
  const w = median(write);
  const overhead = `${((100 * w) / (CHECKPOINT_EVERY * 1000)).toFixed(3)}%`;
  const size = `${(bytes / 1e6).toFixed(2)} MB`;
  rows.push(`| ${c.label} | ${c.optimizer} | ${params.toLocaleString('en')} | ${size} | ${w.toFixed(1)} ms | ${median(read).toFixed(1)} ms | ${overhead} |`);
  console.error(rows.at(-1));
}
rmSync(dir, { recursive: true, force: true });
console.log(`| model | optimizer | parameters | checkpoint (${records} step records) | write (durable) | read | overhead at ${CHECKPOINT_EVERY} s |`);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
