// The grid runner end to end, through the real CLI: determinism, resume after kill -9,
// shards merged, divergence and failures recorded without stopping the grid.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliDetached, read } from '../helpers/cli.ts';
import { RESULT_FILES } from '../../src/present/report/write.ts';
import { runGrid } from '../../src/runner/pool.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { loadSuite } from '../../harness/load-suite.ts';
import { importOnnx } from '../../src/core/model/import/import.ts';
import type { Progress } from '../../harness/progress.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-run-'));
const quiet: Progress = { start() {}, begin() {}, done() {}, stop() {} };

const records = (dir: string) => new RunStore(dir, readManifest(dir).identity).records();

function expectSameResults(a: string, b: string) {
  for (const f of RESULT_FILES) expect(read(b, f), f).toBe(read(a, f));
  // The kept weights too: the same files with the same bytes.
  const weights = (d: string) => (existsSync(join(d, 'weights')) ? readdirSync(join(d, 'weights')).sort() : []);
  expect(weights(b)).toEqual(weights(a));
  for (const f of weights(a)) expect(readFileSync(join(b, 'weights', f)).equals(readFileSync(join(a, 'weights', f))), f).toBe(true);
}

describe('optrobust run', () => {
  const base = tmp();
  const first = join(base, 'first');

  it('runs the smoke suite and writes the result files and manifest', async () => {
    const r = await cli(['run', '--suite', 'smoke', '--out', first]);
    expect(r.stderr).toContain('[2/2]');
    expect(r.code).toBe(0);
    for (const f of [...RESULT_FILES, 'run.json', 'cells.jsonl']) expect(existsSync(join(first, f)), f).toBe(true);
    expect(r.stdout).toMatch(/optimizer\s+clean\s+gaussian_noise\s+fgsm\s+rotation/);
    const manifest = JSON.parse(read(first, 'run.json'));
    expect(manifest.config.suite.name).toBe('smoke');
    expect(Object.keys(manifest.timings.cellSeconds).sort()).toEqual(['mlp[32]|standard|adam/0', 'mlp[32]|standard|sgd/0']);
  });

  it('gives byte-identical result files when run again with the same configuration', async () => {
    const again = join(base, 'again');
    expect((await cli(['run', '--suite', 'smoke', '--out', again, '--workers', '1'])).code).toBe(0);
    expectSameResults(first, again);
    expect(read(first, 'results.csv')).not.toMatch(/\d{4}-\d\d-\d\dT/); // no timestamps
  });

  it('joins shards into the same bytes as the unsharded run', async () => {
    const s1 = join(base, 's1');
    const s2 = join(base, 's2');
    expect((await cli(['run', '--suite', 'smoke', '--shard', '1/2', '--out', s1])).code).toBe(0);
    expect((await cli(['run', '--suite', 'smoke', '--shard', '2/2', '--out', s2])).code).toBe(0);
    expect(records(s1)).toHaveLength(1);
    const merged = join(base, 'merged');
    const m = await cli(['merge', s1, s2, '--out', merged]);
    expect(m.code).toBe(0);
    expectSameResults(first, merged);
    expect((await cli(['merge', s1, '--out', join(base, 'half')])).stderr).toMatch(/the shards lack 1 cell\(s\) \(e\.g\. adam\/seed 0\)/);
  });

  it('resumes a run killed with SIGKILL mid-grid and ends with the same bytes as an uninterrupted run', async () => {
    const args = ['run', '--suite', 'smoke', '--seeds', '0,1,2', '--epochs', '2', '--workers', '1'];
    const whole = join(base, 'whole');
    expect((await cli([...args, '--out', whole])).code).toBe(0);
    const killed = join(base, 'killed');
    const child = cliDetached([...args, '--out', killed]);
    const store = join(killed, 'cells.jsonl');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(store) && readFileSync(store, 'utf8').split('\n').length >= 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const done = records(killed).length;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(6);
    expect(existsSync(join(killed, 'results.csv'))).toBe(false);
    const resumed = await cli(['run', '--resume', killed]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`[${6 - done}/${6 - done}]`);
    expectSameResults(whole, killed);
  }, 300_000);

  it('records a diverging cell and finishes the grid, exit 0', async () => {
    const dir = join(base, 'diverging');
    const r = await cli(['run', '--suite', 'test/harness/fixtures/diverging-suite.ts', '--out', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/exploding\/seed 0 diverged at step \d+/);
    const rows = read(dir, 'results.csv').split('\n');
    expect(rows.some((l) => /^diverging,.*,exploding,sgd,.*,train,0,diverged,0\/1,1$/.test(l))).toBe(true);
    expect(rows.some((l) => l.includes(',exploding,') && l.includes(',accuracy,'))).toBe(false); // absent, not zero
    expect(rows.some((l) => l.includes(',adam,') && /,clean,0,accuracy,/.test(l))).toBe(true);
  });
});

describe('models with batch norm, dropout and residual blocks', () => {
  it('give byte-identical results run twice, resumed after SIGKILL, and sharded then merged', async () => {
    const base = tmp();
    const suite = 'test/harness/fixtures/layers-suite.ts';
    const whole = join(base, 'whole');
    expect((await cli(['run', '--suite', suite, '--out', whole])).code).toBe(0);
    const again = join(base, 'again');
    expect((await cli(['run', '--suite', suite, '--out', again, '--workers', '1'])).code).toBe(0);
    expectSameResults(whole, again);
    expect(readdirSync(join(whole, 'weights'))).toHaveLength(8);
    // A residual network with batch norm exported: the running statistics in BatchNormalization nodes.
    const exported = join(base, 'resnet.onnx');
    expect((await cli(['export', whole, '--model', 'resnet', '--optimizer', 'sgd', '--seed', '1', '--out', exported])).code).toBe(0);
    const m = importOnnx(readFileSync(exported), exported);
    expect(m.model.nodes.filter((n) => n.layer.kind.op === 'batchNorm')).toHaveLength(7);
    expect((await cli(['export', whole, '--optimizer', 'sgd', '--seed', '1'])).stderr).toMatch(
      /the run has several models \(mlp, resnet\); choose one with --model/,
    );
    const layers = read(whole, 'layers.csv');
    expect(layers).toMatch(/^suite,dataset,model,regime,optimizer,seed,epoch,step,layer,tensor,depth,grad_norm,update_norm,param_norm\n/);
    expect(layers).toContain(',resnet,standard,adam,1,1,6,stage2.block1.a.bn,weight,');
    const shards = [1, 2, 3].map((k) => join(base, `s${k}`));
    for (const [k, dir] of shards.entries()) expect((await cli(['run', '--suite', suite, '--shard', `${k + 1}/3`, '--out', dir])).code).toBe(0);
    const merged = join(base, 'merged');
    expect((await cli(['merge', ...shards, '--out', merged])).code).toBe(0);
    expectSameResults(whole, merged);
    const killed = join(base, 'killed');
    const child = cliDetached(['run', '--suite', suite, '--out', killed, '--workers', '1']);
    const store = join(killed, 'cells.jsonl');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(store) && readFileSync(store, 'utf8').split('\n').length >= 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The killed attempt's timings were durable with its cells.
    const first = readManifest(killed).timings;
    const storedAtKill = records(killed).length;
    expect(first.attempts).toHaveLength(1);
    // run.json follows each record, so a kill between the two leaves it one cell behind at most.
    expect(first.attempts![0]!.cells).toBeGreaterThanOrEqual(storedAtKill - 1);
    expect(first.attempts![0]!.finishedAt).toBeUndefined();
    expect((await cli(['run', '--resume', killed])).code).toBe(0);
    expectSameResults(whole, killed);
    // run.json covers the whole run: both attempts, every cell's time, the wall time of both.
    const t = readManifest(killed).timings;
    expect(t.attempts).toHaveLength(2);
    expect(t.attempts![0]!.startedAt).toBe(first.attempts![0]!.startedAt);
    // The killed attempt is credited with every cell it stored, whatever run.json said then.
    expect(t.attempts![0]!.cells).toBe(storedAtKill);
    expect(t.attempts![0]!.cells + t.attempts![1]!.cells).toBe(8);
    expect(Object.keys(t.cellSeconds)).toHaveLength(8);
    expect(t.wallSeconds).toBeCloseTo(t.attempts![0]!.wallSeconds + t.attempts![1]!.wallSeconds, 3);
    expect(t.startedAt).toBe(first.startedAt);
  }, 300_000);
});

describe('a failing cell', () => {
  it('is recorded with its error; every other cell finishes', async () => {
    const dir = tmp();
    const suite = await loadSuite('smoke');
    const data = { fingerprint: loadDataset(suite.dataset).fingerprint };
    const outcome = await runGrid({
      dir,
      config: { suite, data },
      workers: 2,
      threads: 1,
      progress: quiet,
      workerFile: new URL('./fixtures/failing-worker.ts', import.meta.url),
    });
    expect(outcome.failures).toBe(1);
    const failure = outcome.records.find((r) => r.kind === 'failure');
    expect(failure?.kind === 'failure' && failure.error).toMatch(/injected failure for adam/);
    expect(outcome.records.some((r) => r.kind === 'result' && r.key.optimizer === 'sgd')).toBe(true);
    expect(read(dir, 'results.csv')).toMatch(/,adam,adam,.*,train,0,failed,0\/1,1/);
  });
});

describe('command-line errors: a clear message and exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--epochs', 'ten'], /--epochs expects an integer from 1 to 1000000, got "ten"/],
    [['run', '--seeds', '1,x'], /--seeds expects comma-separated integers in 0..4294967295/],
    [['run', '--suite', 'nope'], /--suite nope: not a shipped suite \(default, smoke, .*\) and no such file/],
    [['run', '--suite', 'smoke', '--optimizers', 'adam,lamb'], /--optimizers: lamb not in suite "smoke" \(it has sgd, adam\)/],
    [['run', '--suite', 'smoke', '--shard', '3/2'], /--shard "3\/2": expected K\/N with 1 <= K <= N/],
    [['run', '--suite', 'smoke', '--data-dir', '/nonexistent'], /\/nonexistent: no such folder \(from --data-dir\)/],
    [['run', '--resume', '/nonexistent'], /\/nonexistent\/run.json: not found/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }
});

describe('a writer killed mid-write', () => {
  it('leaves temporaries that the resumed run removes, so its folder ends like an uninterrupted one', async () => {
    const dir = tmp();
    const suite = await loadSuite('smoke');
    const data = { fingerprint: loadDataset(suite.dataset).fingerprint };
    await runGrid({ dir, config: { suite, data, keepWeights: true }, workers: 1, threads: 1, progress: quiet });
    const clean = readdirSync(join(dir, 'weights')).sort();
    // What writeFileAtomic leaves when SIGKILL lands between its write and its rename.
    writeFileSync(join(dir, 'weights', `.${clean[0]}.4242.tmp`), 'half');
    writeFileSync(join(dir, '.results.csv.4242.tmp'), 'half');
    await runGrid({ dir, config: { suite, data, keepWeights: true }, workers: 1, threads: 1, progress: quiet, previous: readManifest(dir) });
    expect(readdirSync(join(dir, 'weights')).sort()).toEqual(clean);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 300_000);
});
