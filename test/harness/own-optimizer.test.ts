// Your own optimizer: defined with defineOptimizer against the public API, checked step by
// step against its PyTorch twin's recorded trajectory (and a wrong one caught at its first
// differing step), trained in a tuned, sharded and merged run like a built-in, and a changed
// definition refused on --resume.
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, read, ROOT } from '../helpers/cli.ts';
import { defineOptimizer, OptimizerDefinitionError } from '../../src/index.ts';
import { createOptimizer } from '../../src/core/optim/registry.ts';

const OPT = join(ROOT, 'test', 'fixtures', 'optimizers');
const TRAJ = join(ROOT, 'test', 'fixtures', 'trajectories');
const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-opt-'));

describe('defineOptimizer', () => {
  it('checks a definition up front, naming the field', () => {
    const base = { name: 'mine', options: { lr: { default: 0.1, min: 0 } }, init: () => ({}), update: () => {} };
    expect(() => defineOptimizer({ ...base, options: {} as never })).toThrow(/defineOptimizer "mine": options\.lr = undefined; expected \{ default/);
    expect(() => defineOptimizer({ ...base, name: 'adam' })).toThrow(/"adam": that is a built-in optimizer's name/);
    expect(() => defineOptimizer({ ...base, name: '../x' })).toThrow(OptimizerDefinitionError);
    expect(() => defineOptimizer({ ...base, options: { lr: { default: 0.1 }, beta: { default: 2, max: 1 } } })).toThrow(
      /options\.beta = .*a default within its own range/,
    );
    expect(() => defineOptimizer({ ...base, update: 3 as never })).toThrow(/update = 3; expected a function/);
  });

  it('validates options as a built-in does and measures the update norm around the update', () => {
    defineOptimizer({
      name: 'halve',
      options: { lr: { default: 0.5, min: 0 } },
      init: () => null,
      update: ({ param, lr }) => {
        for (let i = 0; i < param.length; i++) param[i] = param[i]! * (1 - lr);
      },
    });
    expect(() => createOptimizer('halve', { lr: -1 })).toThrow(/halve: option "lr" = -1 is invalid/);
    expect(() => createOptimizer('halve', { momentum: 1 })).toThrow(/halve: unknown option "momentum"/);
    const opt = createOptimizer('halve');
    const p = Float32Array.from([2, -4]);
    // Δp = (-1, 2): the norm is √5.
    expect(opt.step([p], [new Float32Array(2)])).toBeCloseTo(Math.sqrt(5), 6);
    expect(Array.from(p)).toEqual([1, -2]);
  });
});

describe('optrobust check-optimizer', () => {
  it("agrees with torch.optim.Adam's recorded trajectory for the built-in adam", async () => {
    const r = await cli(['check-optimizer', '--trajectory', join(TRAJ, 'adam.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^adam: 25 steps x 276 values agree with/);
  });

  it('agrees with the PyTorch Signum for the Signum written against the public API, its scheduled lr included', async () => {
    const r = await cli(['check-optimizer', join(OPT, 'signum.mts'), '--trajectory', join(TRAJ, 'signum.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^signum: 25 steps x 276 values agree/);
  });

  it('fails a wrong update, naming the first step, tensor and value that differ', async () => {
    // The Signum with one mistake: the sign of the gradient where the momentum's belongs.
    const right = readFileSync(join(OPT, 'signum.mts'), 'utf8');
    const wrong = right.replace('tensorOps.sign(state.direction, state.m);', 'tensorOps.sign(state.direction, grad);');
    expect(wrong).not.toBe(right);
    const file = join(tmp(), 'signum-wrong.mts');
    writeFileSync(file, wrong.replace("'../../../src/index.ts'", JSON.stringify(join(ROOT, 'src', 'index.ts'))));
    const r = await cli(['check-optimizer', file, '--trajectory', join(TRAJ, 'signum.json')]);
    expect(r.code).toBe(1);
    // Step 1 agrees by construction (m = (1 - momentum)·g has g's sign); step 2 cannot.
    expect(r.stderr).toMatch(/^signum: step 2, tensor fc1\.weight, value \d+: \S+ where \S+signum\.json has \S+ \(difference/);
  });

  it('refuses a malformed trajectory (exit 2, the field named)', async () => {
    const t = JSON.parse(readFileSync(join(TRAJ, 'adam.json'), 'utf8'));
    t.steps[3].grads[1] = t.steps[3].grads[1].slice(1);
    const file = join(tmp(), 'bad.json');
    writeFileSync(file, JSON.stringify(t));
    const r = await cli(['check-optimizer', '--trajectory', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: steps\[3\]\.grads\[1\] = "15 values"; expected 16 numbers/);
  });
});

describe('a user-defined optimizer in a run', () => {
  it('tunes, trains and reports like a built-in; shards merged and resumed give the same bytes; a changed definition is refused on --resume', async () => {
    const root = tmp();
    cpSync(OPT, join(root, 'optimizers'), { recursive: true });
    // The fixture imports the public API by a path relative to the repository: keep it resolvable.
    const suite = join(root, 'optimizers', 'signum-suite.mts');
    const signum = join(root, 'optimizers', 'signum.mts');
    writeFileSync(signum, readFileSync(signum, 'utf8').replace("'../../../src/index.ts'", JSON.stringify(join(ROOT, 'src', 'index.ts'))));
    const whole = join(root, 'whole');
    const r = await cli(['run', '--suite', suite, '--out', whole, '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    // Its search space is read from its own options: the learning rate, weight decay and (default 0.9) momentum, 3 trials.
    const signumTrials = read(whole, 'tuning.csv')
      .split('\n')
      .filter((l) => l.startsWith('mlp[16],standard,signum,'))
      .map((l) => l.split(','));
    expect(signumTrials.map((c) => c[3])).toEqual(['0', '1', '2']);
    // Columns weight_decay, beta1, momentum, beta2.
    for (const c of signumTrials) expect([c[5], c[6], c[7], c[8]].map((v) => v !== '')).toEqual([true, false, true, false]);
    expect(read(whole, 'results.csv')).toMatch(/,signum,signum,/);
    const shards = [1, 2].map((k) => join(root, `shard${k}`));
    for (const [k, dir] of shards.entries()) {
      const s = await cli(['run', '--suite', suite, '--shard', `${k + 1}/2`, '--out', dir, '--workers', '1']);
      expect(s.code, s.stderr).toBe(0);
    }
    const merged = join(root, 'merged');
    const m = await cli(['merge', ...shards, '--out', merged]);
    expect(m.code, m.stderr).toBe(0);
    // The matched cells run after the merge (README), in processes that import the suite's module again.
    const rest = await cli(['run', '--resume', merged, '--workers', '2']);
    expect(rest.code, rest.stderr).toBe(0);
    for (const f of ['results.csv', 'summary.csv', 'tuning.csv']) expect(read(merged, f), f).toBe(read(whole, f));
    writeFileSync(suite, `${readFileSync(suite, 'utf8')}\n// edited\n`);
    const again = await cli(['run', '--resume', whole]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/signum-suite\.mts changed since the run started/);
  }, 300_000);
});
