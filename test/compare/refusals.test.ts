// Every refusal and exit code README documents for `compare` and `history`, through the real
// command line: runs of another suite, data or model are refused (exit 2) naming the
// difference; a current run missing a cell is refused unless --allow-partial, which then
// compares what both hold; --thresholds and --alpha change verdicts exactly as their
// definitions say; rows that cannot be tested are marked so; history refuses runs of
// different suites and fails (exit 1) when the latest run lost a series.
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, read } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { runIdentity, type RunManifest } from '../../src/run/experiment/manifest.ts';
import { STORE_FILE } from '../../src/run/experiment/store.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const tmp = (p = 'optrobust-refusals-') => mkdtempSync(join(tmpdir(), p));
interface Row {
  optimizer: string;
  perturbation: string;
  severity: number;
  metric: string;
  verdict: string;
  test: string;
  q: number;
  delta: number;
  direction: string;
}
interface Json {
  rows: Row[];
  untested: number;
  regressions: number;
  missingCells: string[];
}
const json = (out: string) => JSON.parse(read(out, 'compare.json')) as Json;

let baseline = '';
let same = '';
let weakened = '';
beforeAll(async () => {
  baseline = (await smallRun({ seeds: [0, 1, 2] })).dir;
  same = (await smallRun({ seeds: [0, 1, 2] })).dir;
  weakened = (
    await smallRun({
      seeds: [0, 1, 2],
      optimizers: [
        { name: 'sgd', options: { lr: 0.1 } },
        { name: 'adam', options: { lr: 1e-5 } },
      ],
    })
  ).dir;
}, 180_000);

/** A copy of `dir` with its run.json edited and its store re-labelled to the edited run's identity (what a run of that configuration would hold). */
function edited(dir: string, edit: (m: RunManifest) => RunManifest): string {
  const copy = join(tmp(), 'run');
  cpSync(dir, copy, { recursive: true });
  const before = JSON.parse(readFileSync(join(copy, 'run.json'), 'utf8')) as RunManifest;
  const changed = edit(before);
  const identity = runIdentity(changed.config);
  writeFileSync(join(copy, 'run.json'), JSON.stringify({ ...changed, identity }));
  writeFileSync(join(copy, STORE_FILE), readFileSync(join(copy, STORE_FILE), 'utf8').replaceAll(before.identity, identity));
  return copy;
}

describe('compare refuses what is not comparable (exit 2, the difference named)', () => {
  const cases: [string, (m: RunManifest) => RunManifest, RegExp][] = [
    ['another suite', (m) => ({ ...m, config: { ...m.config, suite: { ...m.config.suite, name: 'other' } } }), /suite: baseline "small", current "other"/],
    [
      'other data',
      (m) => ({ ...m, config: { ...m.config, data: { ...m.config.data, fingerprint: 'f'.repeat(64) } } }),
      /data fingerprint \(the dataset files differ\): baseline "[0-9a-f]{16}", current "ffffffffffffffff"/,
    ],
    [
      'another model',
      (m) => ({ ...m, config: { ...m.config, suite: { ...m.config.suite, model: { kind: 'mlp', hidden: [32] } } } }),
      /models: baseline .*"hidden":\[16\].*current .*"hidden":\[32\]/,
    ],
  ];
  for (const [what, edit, message] of cases) {
    it(what, async () => {
      const current = edited(same, edit);
      const r = await cli(['compare', '--baseline', baseline, '--current', current, '--out', join(tmp(), 'c')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/the runs differ in setup, so their numbers are not comparable/);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('--allow-mismatch');
    });
  }
});

describe('a current run missing a cell', () => {
  let current = '';
  beforeAll(() => {
    current = join(tmp(), 'run');
    cpSync(same, current, { recursive: true });
    const lines = readFileSync(join(current, STORE_FILE), 'utf8').split('\n').filter(Boolean);
    const kept = lines.filter((l) => !(l.includes('"optimizer":"adam"') && l.includes('"seed":1')));
    expect(kept).toHaveLength(lines.length - 1);
    writeFileSync(join(current, STORE_FILE), `${kept.join('\n')}\n`);
  });

  it('is refused, naming the cell (exit 2)', async () => {
    const r = await cli(['compare', '--baseline', baseline, '--current', current, '--out', join(tmp(), 'c')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the current run lacks 1 cell\(s\) the baseline has: adam\/seed 1; finish it with --resume, or pass --allow-partial/);
  });

  it('with --allow-partial: compared on what both hold, the missing cell listed, adam compared unpaired over its two seeds', async () => {
    const out = join(tmp(), 'c');
    const r = await cli(['compare', '--baseline', baseline, '--current', current, '--allow-partial', '--out', out]);
    const c = json(out);
    expect(c.missingCells).toEqual(['adam/seed 1']);
    expect(r.code).toBe(c.regressions > 0 ? 1 : 0);
    // The same runs otherwise: every value that exists is identical, so nothing regressed.
    expect(c.regressions).toBe(0);
    expectEvery(
      c.rows.filter((x) => x.optimizer === 'sgd'),
      (x) => x.verdict === '~',
    );
    expect(read(out, 'compare.md')).toContain('adam/seed 1');
  });
});

describe('thresholds and alpha', () => {
  it('--thresholds FILE: a threshold above every change turns the regressions into ~ (exit 0); the default regresses (exit 1)', async () => {
    const plain = join(tmp(), 'c');
    expect((await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch', '--out', plain])).code).toBe(1);
    const regressed = json(plain).rows.filter((x) => x.verdict === 'regressed');
    expect(regressed.length).toBeGreaterThan(0);
    const file = join(tmp(), 'thresholds.json');
    const metrics = [...new Set(regressed.map((x) => x.metric))];
    writeFileSync(file, JSON.stringify(Object.fromEntries(metrics.map((m) => [m, 1e6]))));
    const out = join(tmp(), 'c');
    const r = await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch', '--thresholds', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(json(out).regressions).toBe(0);
  });

  it('--thresholds can give a diagnostic a direction: its significant changes become verdicts', async () => {
    const plain = join(tmp(), 'c');
    await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch', '--out', plain]);
    const changed = json(plain).rows.filter((x) => x.verdict === 'changed' && x.metric === 'grad_norm_mean');
    expect(changed.length).toBeGreaterThan(0);
    const file = join(tmp(), 'thresholds.json');
    writeFileSync(file, JSON.stringify({ grad_norm_mean: { direction: 'lower', threshold: 0 } }));
    const out = join(tmp(), 'c');
    await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch', '--thresholds', file, '--out', out]);
    const now = json(out).rows.filter((x) => x.metric === 'grad_norm_mean');
    for (const before of changed) {
      const after = now.find((x) => x.optimizer === before.optimizer && x.perturbation === before.perturbation)!;
      expect(after.verdict).toBe(before.delta < 0 ? 'improved' : 'regressed');
    }
  });

  it('--alpha: a row is a verdict exactly when its q is below alpha (and beyond its threshold)', async () => {
    const plain = join(tmp(), 'c');
    await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch', '--out', plain]);
    const qs = json(plain)
      .rows.filter((x) => x.verdict === 'regressed')
      .map((x) => x.q)
      .sort((a, b) => a - b);
    expect(qs.length).toBeGreaterThan(1);
    // An alpha between the smallest and the largest q of the regressions keeps exactly those below it.
    const alpha = (qs[0]! + qs.at(-1)!) / 2;
    expect(qs[0]).toBeLessThan(alpha);
    const out = join(tmp(), 'c');
    const r = await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch', '--alpha', String(alpha), '--out', out]);
    const rows = json(out).rows;
    const verdicts = rows.filter((x) => x.verdict === 'regressed' || x.verdict === 'improved');
    expect(verdicts.length).toBeGreaterThan(0);
    expectEvery(verdicts, (x) => x.q < alpha);
    expect(verdicts.length).toBe(qs.filter((q) => q < alpha).length + rows.filter((x) => x.verdict === 'improved').length);
    expect(r.code).toBe(1);
  });

  it('rows that cannot be tested (one seed a side) are marked untested, never a verdict', async () => {
    const one = (await smallRun({ seeds: [0] })).dir;
    const weakOne = (
      await smallRun({
        seeds: [0],
        optimizers: [
          { name: 'sgd', options: { lr: 0.1 } },
          { name: 'adam', options: { lr: 1e-5 } },
        ],
      })
    ).dir;
    const out = join(tmp(), 'c');
    const r = await cli(['compare', '--baseline', one, '--current', weakOne, '--allow-mismatch', '--out', out]);
    const c = json(out);
    const untested = c.rows.filter((x) => x.test === 'untested');
    // adam changed, sgd did not: adam's rows differ but none can be tested.
    expect(untested.length).toBeGreaterThan(0);
    expect(c.untested).toBe(untested.length);
    expectEvery(untested, (x) => x.verdict === '~');
    expect(r.code).toBe(0);
  }, 180_000);
});

describe('history', () => {
  const night = (from: string, i: number, into: string) => {
    const dir = join(into, `night-${i}`);
    cpSync(from, dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunManifest & { timings: { startedAt: string } };
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...m, timings: { ...m.timings, startedAt: `2026-11-0${i}T02:00:00.000Z` } }));
    return dir;
  };

  it('refuses runs of different suites (exit 2), naming both', async () => {
    const folder = tmp();
    night(baseline, 1, folder);
    const other = edited(same, (m) => ({ ...m, config: { ...m.config, suite: { ...m.config.suite, name: 'other' } } }));
    night(other, 2, folder);
    const r = await cli(['history', folder, '--out', join(tmp(), 'h')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the runs are of different suites \((small, other|other, small)\); a history follows one suite/);
  });

  it('exits 1 when the latest run lost a series (a cell missing), naming it', async () => {
    const folder = tmp();
    night(baseline, 1, folder);
    night(same, 2, folder);
    const latest = night(same, 3, folder);
    const lines = readFileSync(join(latest, STORE_FILE), 'utf8').split('\n').filter(Boolean);
    // Every seed of adam gone: adam's series have no point in the latest run.
    writeFileSync(join(latest, STORE_FILE), `${lines.filter((l) => !l.includes('"optimizer":"adam"')).join('\n')}\n`);
    const r = await cli(['history', folder, '--out', join(tmp(), 'h')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION from the latest run: adam · clean · accuracy/);
    expect(r.stdout).not.toMatch(/REGRESSION from the latest run: sgd/);
  });

  it('exits 0 when the latest run holds every series and starts no change', async () => {
    const folder = tmp();
    for (const i of [1, 2, 3]) night(i === 2 ? same : baseline, i, folder);
    const r = await cli(['history', folder, '--out', join(tmp(), 'h')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('REGRESSION');
  });
});
