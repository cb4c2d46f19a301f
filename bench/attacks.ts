// `npm run perf:attacks`: AutoAttack's attacks in optrobust against AutoAttack's own PyTorch code
// (bench/reference/pytorch_attacks.py) on the same model (test/helpers/attacked-model.ts, an
// mlp [32]) and the same 300 test images, one thread each (onnxruntime intra-op 1; PyTorch
// set_num_threads(1), OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=1), in one session and in
// alternating rounds (PyTorch, then optrobust, attack by attack; ROUNDS, default 3), so a drift
// of the machine lands on both: the median examples per second per attack (L-inf eps 0.05, L2
// eps 1), and the ratio of the medians with the range of the rounds' ratios. Then the certified
// bounds: IBP and CROWN per example on each family (no peer: auto_LiRPA is not packaged here).
// Needs Debian's python3-torch (reference only).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attackedModel } from '../test/helpers/attacked-model.ts';
import { gradientOracle } from '../src/measure/metrics/gradient-oracle.ts';
import { getPerturbation } from '../src/measure/perturb/registry.ts';
import { evaluate } from '../src/measure/metrics/evaluate.ts';
import { createRng } from '../src/core/util/rng.ts';
import { Network } from '../src/core/model/network.ts';
import type { ModelSpec } from '../src/core/model/families/registry.ts';
import { loadDataset } from '../src/core/data/sources.ts';
import type { BoundName } from '../src/core/model/bounds.ts';

/** AutoAttack's name for each attack -> optrobust's L∞ and L2 perturbations. */
const ATTACKS: Record<string, readonly [string, string]> = {
  'apgd-t': ['apgd_t', 'apgd_t_l2'],
  'fab-t': ['fab_t', 'fab_t_l2'],
  square: ['square', 'square_l2'],
  standard: ['autoattack', 'autoattack_l2'],
};
const NORMS = ['Linf', 'L2'] as const;
const EPS = { Linf: 0.05, L2: 1 } as const;
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const m = await attackedModel();
const dir = mkdtempSync(join(tmpdir(), 'optrobust-attacks-'));
const weights = m.weights.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64'));
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
const n = m.test.count;

function peer(attack: string, norm: (typeof NORMS)[number]): { seconds: number; accuracy: number } {
  const file = join(dir, 'model.json');
  writeFileSync(file, JSON.stringify({ model: { kind: 'mlp', hidden: [32] }, count: n, attacks: [attack], norms: [norm], weights }));
  const line = execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'reference', 'pytorch_attacks.py'), file], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(line.trim()) as { seconds: number; accuracy: number };
}

async function ours(name: string, eps: number): Promise<{ seconds: number; accuracy: number }> {
  const p = getPerturbation(name);
  const started = performance.now();
  const adv = await p.apply({ ...m.test, shape: [1, 28, 28], rng: createRng(0, `perturb:${name}:${eps}`), gradient: gradientOracle(m.net, m.weights) }, eps);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, accuracy: (await evaluate(m.net, m.weights, m.test, adv)).accuracy };
}

const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type Timing = { seconds: number; accuracy: number };
const rows = new Map<string, { norm: string; ours: Timing[]; peer: Timing[] }>();
for (let round = 0; round < ROUNDS; round++)
  for (const [attack, names] of Object.entries(ATTACKS))
    for (const [k, norm] of NORMS.entries()) {
      const name = names[k]!;
      const row = rows.get(name) ?? { norm, ours: [], peer: [] };
      rows.set(name, row);
      row.peer.push(peer(attack, norm));
      row.ours.push(await ours(name, EPS[norm]));
    }

console.log(`${n} test images, one thread, ${ROUNDS} alternating rounds; median examples per second (robust accuracy) and time ratio optrobust / PyTorch`);
console.log("attack        norm  optrobust              PyTorch (AutoAttack)   ratio of medians (rounds' range)");
const cell = (t: readonly Timing[]) =>
  `${(n / median(t.map((r) => r.seconds))).toFixed(1).padStart(7)}/s (${(100 * median(t.map((r) => r.accuracy))).toFixed(1)}%)`.padEnd(22);
for (const [name, row] of rows) {
  const ratios = row.ours.map((o, i) => o.seconds / row.peer[i]!.seconds);
  const ratio = median(row.ours.map((r) => r.seconds)) / median(row.peer.map((r) => r.seconds));
  const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
  console.log(`${name.padEnd(13)} ${row.norm.padEnd(5)} ${cell(row.ours)} ${cell(row.peer)} ${ratio.toFixed(2)}x (${range})`);
}

// Certified bounds per family: milliseconds per example on 100 untrained-model test images, one thread.
const ds = loadDataset('fashion-mnist-subset');
const COUNT = 100;
const x = ds.test.images.subarray(0, COUNT * 784);
const y = BigInt64Array.from(ds.test.labels.subarray(0, COUNT), (v) => BigInt(v));
const FAMILIES: [string, ModelSpec][] = [
  ['mlp [256, 128]', { kind: 'mlp', hidden: [256, 128] } as ModelSpec],
  ['cnn (default)', { kind: 'cnn' } as ModelSpec],
  ['lenet5', { kind: 'lenet5' } as ModelSpec],
  ['resnet depth 8', { kind: 'resnet', depth: 8 } as ModelSpec],
];
const METHODS: [BoundName, number][] = [
  ['ibp', 0.01],
  ['crown', 0.01],
  ['crown_l2', 0.5],
];
console.log(`\ncertified bounds, ${COUNT} test images, one thread: ms per example (median of ${ROUNDS}; the first run, which compiles the graph, not counted)`);
console.log(`family            ${METHODS.map(([b]) => b.padEnd(10)).join(' ')} crown / ibp`);
for (const [label, spec] of FAMILIES) {
  const net = new Network(spec, [1, 28, 28], 10, { threads: 1 });
  const w = net.initWeights(0);
  const ms: number[] = [];
  for (const [method, eps] of METHODS) {
    const batch = Math.min(COUNT, net.boundBatch(method));
    const once = async () => {
      const t0 = performance.now();
      for (let s = 0; s < COUNT; s += batch) {
        const k = Math.min(batch, COUNT - s);
        await net.marginBounds(method, w, x.subarray(s * 784, (s + k) * 784), y.subarray(s, s + k), k, eps);
      }
      return (performance.now() - t0) / COUNT;
    };
    await once();
    const runs: number[] = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await once());
    ms.push(median(runs));
  }
  console.log(`${label.padEnd(17)} ${ms.map((v) => v.toFixed(2).padEnd(10)).join(' ')} ${(ms[1]! / ms[0]!).toFixed(1)}x`);
  await net.release();
}
