// `npm run perf:attacks`: AutoAttack's attacks in optrobust against AutoAttack's own PyTorch code
// (bench/reference/pytorch_attacks.py) on the same model (test/helpers/attacked-model.ts, an
// mlp [32]) and the same 300 test images, one thread each (onnxruntime intra-op 1; PyTorch
// set_num_threads(1), OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=1), in one session:
// seconds and examples per second per attack (L-inf eps 0.05, L2 eps 1), and the ratio.
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

/** AutoAttack's name for each attack -> optrobust's L∞ and L2 perturbations. */
const ATTACKS: Record<string, readonly [string, string]> = {
  'apgd-t': ['apgd_t', 'apgd_t_l2'],
  'fab-t': ['fab_t', 'fab_t_l2'],
  square: ['square', 'square_l2'],
  standard: ['autoattack', 'autoattack_l2'],
};
const EPS = { Linf: 0.05, L2: 1 } as const;

const m = await attackedModel();
const dir = mkdtempSync(join(tmpdir(), 'optrobust-attacks-'));
const file = join(dir, 'model.json');
const attacks = Object.keys(ATTACKS);
writeFileSync(
  file,
  JSON.stringify({
    model: { kind: 'mlp', hidden: [32] },
    count: m.test.count,
    attacks,
    weights: m.weights.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')),
  }),
);
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
const peer = execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'reference', 'pytorch_attacks.py'), file], {
  env,
  encoding: 'utf8',
  maxBuffer: 1 << 24,
})
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { attack: string; norm: 'Linf' | 'L2'; seconds: number; accuracy: number });

const n = m.test.count;
console.log(`${n} test images, one thread; examples per second (robust accuracy) and time ratio optrobust / PyTorch`);
console.log('attack        norm  optrobust              PyTorch (AutoAttack)   ratio');
for (const row of peer) {
  const name = ATTACKS[row.attack]![row.norm === 'Linf' ? 0 : 1]!;
  const p = getPerturbation(name);
  const eps = EPS[row.norm];
  const started = performance.now();
  const adv = await p.apply({ ...m.test, shape: [1, 28, 28], rng: createRng(0, `perturb:${name}:${eps}`), gradient: gradientOracle(m.net, m.weights) }, eps);
  const seconds = (performance.now() - started) / 1000;
  const acc = (await evaluate(m.net, m.weights, m.test, adv)).accuracy;
  const cell = (s: number, a: number) => `${(n / s).toFixed(1).padStart(7)}/s (${(100 * a).toFixed(1)}%)`.padEnd(22);
  console.log(`${name.padEnd(13)} ${row.norm.padEnd(5)} ${cell(seconds, acc)} ${cell(row.seconds, row.accuracy)} ${(seconds / row.seconds).toFixed(2)}x`);
}
