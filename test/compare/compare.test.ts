// `optrobust compare` end to end on real (small) runs: identical runs, a deliberately
// weakened optimizer, setup mismatches, unpaired seeds and bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, read } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { NUMERICS, NUMERICS_BEFORE_2 } from '../../src/run/experiment/manifest.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const SEEDS = { seeds: [0, 1, 2] };
let baseline = '';
let same = '';
let weakened = '';
let otherSeeds = '';

beforeAll(async () => {
  baseline = (await smallRun(SEEDS)).dir;
  same = (await smallRun(SEEDS)).dir;
  weakened = (
    await smallRun({
      ...SEEDS,
      optimizers: [
        { name: 'sgd', options: { lr: 0.1 } },
        { name: 'adam', options: { lr: 1e-5 } },
      ],
    })
  ).dir;
  otherSeeds = (await smallRun({ seeds: [3, 4, 5] })).dir;
}, 300_000);

interface Row {
  optimizer: string;
  perturbation: string;
  metric: string;
  verdict: string;
  test: string;
  direction: string;
  baseline: number;
  current: number;
  delta: number;
  q: number;
}
const json = (dir: string) =>
  JSON.parse(read(join(dir, 'compare'), 'compare.json')) as { identical: boolean; rows: Row[]; correction: string; setupDifferences: string[] };

describe('optrobust compare', () => {
  it('reports two runs of the same suite and seeds as bit-identical, exit 0', async () => {
    const r = await cli(['compare', '--baseline', baseline, '--current', same]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Results are bit-identical to the baseline');
    const c = json(same);
    expect(c.identical).toBe(true);
    expectEvery(c.rows, (x) => x.verdict === '~' && x.test === 'identical');
    for (const f of ['compare.md', 'compare.csv', 'compare.html']) expect(read(join(same, 'compare'), f).length).toBeGreaterThan(100);
    // Bit-identical: one line, the rows folded away, no chart.
    const html = read(join(same, 'compare'), 'compare.html');
    expect(html).toContain(`<details id="rows"><summary>All ${c.rows.length} rows (every one identical)</summary>`);
    expect(html).not.toContain('<figure>');
    // --json: compare.json itself on stdout, for scripts.
    const out = mkdtempSync(join(tmpdir(), 'cmp-json-'));
    const j = await cli(['compare', '--baseline', baseline, '--current', same, '--out', out, '--json']);
    expect(j.code).toBe(0);
    expect(j.stdout).toBe(read(out, 'compare.json'));
    expect(JSON.parse(j.stdout).identical).toBe(true);
  });

  it("flags the weakened optimizer's accuracy as regressed, leaves the other ~, exit 1", async () => {
    const r = await cli(['compare', '--baseline', baseline, '--current', weakened, '--allow-mismatch']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION/);
    expect(r.stdout).toMatch(/optimizer adam: baseline .*"lr":0.003.*current .*"lr":0.00001/);
    expect(r.stdout).toMatch(/Benjamini-Hochberg correction across all \d+ rows/);
    const c = json(weakened);
    const adamAcc = c.rows.filter((x) => x.optimizer === 'adam' && x.metric === 'accuracy');
    expect(adamAcc.length).toBe(5);
    expectEvery(
      adamAcc.filter((x) => x.perturbation !== 'fgsm'),
      (x) => x.verdict === 'regressed',
    );
    expectEvery(
      c.rows.filter((x) => x.optimizer === 'sgd'),
      (x) => x.verdict === '~',
    );
    // Diagnostics change but never regress.
    const diag = c.rows.filter((x) => x.metric.startsWith('grad_norm') || x.metric.startsWith('input_grad'));
    expectEvery(diag, (x) => x.direction === 'diagnostic' && x.verdict !== 'regressed');
    expect(diag.some((x) => x.verdict === 'changed')).toBe(true);
    // Regressions come first in compare.md.
    const md = read(join(weakened, 'compare'), 'compare.md');
    expect(md.indexOf('| regressed |')).toBeLessThan(md.indexOf('| changed |'));
    // compare.html as people read it: accuracies in percent, their deltas in points, a sweep's
    // score without a severity, p and q to two digits.
    const html = read(join(weakened, 'compare'), 'compare.html');
    const adam = /<section class="arm" id="arm-adam">.*?<\/section>/s.exec(html)![0];
    const row = (metric: string, perturbation: string) =>
      [...adam.matchAll(/<tr class="[^"]*">(.*?)<\/tr>/g)]
        .map((m) => [...m[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((t) => t[1]!))
        .find((t) => t[1] === perturbation && t[3] === metric)!;
    const clean = row('accuracy', 'clean');
    const want = c.rows.find((x) => x.optimizer === 'adam' && x.perturbation === 'clean' && x.metric === 'accuracy')!;
    expect(clean.slice(4, 6)).toEqual([`${(100 * want.baseline).toFixed(1)}%`, `${(100 * want.current).toFixed(1)}%`]);
    expect(clean[6]).toMatch(new RegExp(`^${(100 * want.delta).toFixed(1).replace('.', '\\.')} pts <small>`));
    expect(clean[8]).toBe(String(Number(want.q.toPrecision(2))));
    expect(row('accuracy_auc', 'gaussian_noise')[2]).toBe('–');
    // Grouped by optimizer: every row in its optimizer's group, each group's count in its heading.
    for (const optimizer of ['sgd', 'adam']) {
      const heading = `<section class="arm" id="arm-${optimizer}"><h3>${optimizer} <small>(\\d+) regressed, \\d+ improved, \\d+ changed of (\\d+) rows`;
      const group = new RegExp(heading).exec(html)!;
      const mine = c.rows.filter((x) => x.optimizer === optimizer);
      expect(Number(group[2])).toBe(mine.length);
      expect(Number(group[1])).toBe(mine.filter((x) => x.verdict === 'regressed').length);
    }
    // The headline per optimizer: clean accuracy baseline -> current, regressed marked.
    const headlineRow = /<tr><th><a href="#arm-adam">adam<\/a><\/th>(.*?)<\/tr>/.exec(html)![1]!;
    const pct = (v: number) => (100 * v).toFixed(1);
    expect(headlineRow).toContain(`title="${pct(want.baseline)}% → ${pct(want.current)}%: regressed, q = `);
    expect(headlineRow).toContain(`▼ ${pct(want.current)}%<br><small>${pct(want.delta)}</small>`);
    // A filter that needs no script: radio buttons whose CSS hides the other rows.
    expect(html).toMatch(/<input type="radio" name="show" id="show-regressions">/);
    expect(html).toMatch(/#show-regressions:checked~#groups tbody tr:not\(\.regressed\)[^{]*\{display:none\}/);
    expect(html).not.toContain('<script');
  });

  it('refuses runs whose setup differs, saying what differs, exit 2', async () => {
    const r = await cli(['compare', '--baseline', baseline, '--current', weakened, '--out', mkdtempSync(join(tmpdir(), 'cmp-'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the runs differ in setup[\s\S]*optimizer adam: baseline/);
    expect(r.stderr).toContain('--allow-mismatch');
  });

  it('says when the runs were computed on different kernels, and compares them anyway', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'cmp-engine-'));
    cpSync(same, elsewhere, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(elsewhere, 'run.json'), 'utf8')) as { environment: { nchwcBlock: number } };
    const other = manifest.environment.nchwcBlock === 8 ? 16 : 8;
    writeFileSync(join(elsewhere, 'run.json'), JSON.stringify({ ...manifest, environment: { ...manifest.environment, nchwcBlock: other } }));
    const r = await cli(['compare', '--baseline', baseline, '--current', elsewhere, '--out', join(elsewhere, 'compare')]);
    expect(r.code).toBe(0);
    const c = JSON.parse(read(join(elsewhere, 'compare'), 'compare.json')) as { engineDifferences: string[] };
    expect(c.engineDifferences).toEqual([expect.stringMatching(new RegExp(`NCHWc block .*baseline ${manifest.environment.nchwcBlock}, current ${other}`))]);
    expect(read(join(elsewhere, 'compare'), 'compare.md')).toContain('computed by different software or kernels');
    // Two runs on this machine name no engine difference.
    const out = mkdtempSync(join(tmpdir(), 'cmp-same-'));
    expect((await cli(['compare', '--baseline', baseline, '--current', same, '--out', out])).code).toBe(0);
    expect((JSON.parse(read(out, 'compare.json')) as { engineDifferences: string[] }).engineDifferences).toEqual([]);
  });

  it('names a change of numerics (random generators, update arithmetic, measurement methods) as an engine difference, old runs included', async () => {
    const old = mkdtempSync(join(tmpdir(), 'cmp-numerics-'));
    cpSync(same, old, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8')) as { environment: Record<string, unknown> };
    const { numerics, ...before } = manifest.environment;
    expect(numerics).toBe(NUMERICS);
    writeFileSync(join(old, 'run.json'), JSON.stringify({ ...manifest, environment: before }));
    const r = await cli(['compare', '--baseline', old, '--current', baseline, '--out', join(old, 'compare')]);
    expect(r.code).toBe(0);
    const c = JSON.parse(read(join(old, 'compare'), 'compare.json')) as { engineDifferences: string[] };
    expect(c.engineDifferences).toEqual([
      `numerics (random generators, update arithmetic, measurement methods): baseline ${NUMERICS_BEFORE_2}, current ${NUMERICS}`,
    ]);
  });

  it('uses an unpaired test when the runs hold different seeds', async () => {
    const r = await cli(['compare', '--baseline', baseline, '--current', otherSeeds, '--out', join(otherSeeds, 'compare')]);
    const rows = json(otherSeeds).rows;
    expect(rows.length).toBeGreaterThan(0);
    expectEvery(rows, (x) => x.test === 'welch t');
    // The exit code is the verdict's: 1 exactly when some row regressed.
    expect(r.code).toBe(rows.some((x) => x.verdict === 'regressed') ? 1 : 0);
  });

  it('compares npm run perf timings separately and fails on them only with --fail-on-perf', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmp-perf-'));
    const perf = (ms: number) => ({
      format: 'optrobust-perf/1',
      quick: false,
      batch: 128,
      environment: {},
      results: [{ name: 'mlp step', group: 'train step', msPerOp: ms, moePercent: 1, samples: 500 }],
    });
    writeFileSync(join(dir, 'a.json'), JSON.stringify(perf(2)));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(perf(3)));
    const args = [
      'compare',
      '--baseline',
      baseline,
      '--current',
      same,
      '--baseline-perf',
      join(dir, 'a.json'),
      '--current-perf',
      join(dir, 'b.json'),
      '--out',
      join(dir, 'out'),
    ];
    const lenient = await cli(args);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/### Timings[\s\S]*\| regressed \| mlp step · train step · ms\\_per\\_op \| 2 \| 3 \|/);
    expect((await cli([...args, '--fail-on-perf'])).code).toBe(1);
    writeFileSync(join(dir, 'b.json'), '{"format":"other"}');
    expect((await cli(args)).stderr).toMatch(/--current-perf .*b\.json: not an `npm run perf` result/);
  });

  it('gives input errors a clear message and exit 2', async () => {
    expect(await cli(['compare', '--baseline', '/nonexistent', '--current', same])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--baseline \/nonexistent: no such directory/),
    });
    const empty = mkdtempSync(join(tmpdir(), 'cmp-empty-'));
    expect((await cli(['compare', '--baseline', empty, '--current', same])).stderr).toMatch(/run\.json: not found/);
    expect((await cli(['compare', '--baseline', baseline, '--current', same, '--threshold', 'accuracy=big'])).stderr).toMatch(
      /--threshold "accuracy=big": expected METRIC=NUMBER/,
    );
    expect(await cli(['compare', '--baseline', baseline])).toMatchObject({ code: 2, stderr: expect.stringMatching(/required option '--current <dir>'/) });
    const noStore = mkdtempSync(join(tmpdir(), 'cmp-nostore-'));
    copyFileSync(join(baseline, 'run.json'), join(noStore, 'run.json'));
    expect(await cli(['compare', '--baseline', noStore, '--current', same])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cells\.jsonl is missing; the run has no results/),
    });
  });
});
