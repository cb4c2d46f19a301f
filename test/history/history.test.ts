// History across runs: the change-point detector on synthetic series with known steps and
// on pure noise (its false-alarm rate), and `optrobust history` on real runs whose
// configuration changed mid-history (a weakened optimizer from night 4 on).
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { changePoints, noiseVariance } from '../../src/present/history/change-points.ts';
import { BulkRng } from '../../src/core/util/bulk-rng.ts';
import { cli } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';

const noise = (seed: number, n: number, sigma = 1): number[] => {
  const z = new Float64Array(n);
  new BulkRng(seed, 'history-test').fillNormal(z);
  return Array.from(z, (v) => sigma * v);
};

describe('changePoints', () => {
  // scripts/measure/history-detection.ts measures the detector's rates on 20,000 series of its
  // own stream (README's figures): 96.4% of 3σ steps found, 3.5% of pure-noise series flagged.
  // These 2,000 series are an independent sample; each bound is that rate less (or plus) three
  // binomial standard errors for n = 2,000.
  const binomialBound = (rate: number, n: number, sign: 1 | -1) => rate + sign * 3 * Math.sqrt((rate * (1 - rate)) / n);

  it('finds a step of 3 sigma within one run of where it is, at the measured rate (96.4%) less three standard errors', () => {
    const n = 2000;
    let found = 0;
    for (let s = 0; s < n; s++) {
      const at = 8 + (s % 15);
      const xs = noise(s, 30, 0.01).map((v, i) => v + (i >= at ? 0.03 : 0));
      const cps = changePoints(xs, { variance: noiseVariance(xs), minStep: 0 });
      if (cps.some((c) => Math.abs(c.index - at) <= 1)) found++;
    }
    expect(found / n).toBeGreaterThanOrEqual(binomialBound(0.964, n, -1));
  });

  it('raises false alarms on pure noise at the measured rate (3.5%) plus at most three standard errors (30 runs, the variance from the series itself)', () => {
    const n = 2000;
    let alarms = 0;
    for (let s = 0; s < n; s++) {
      const xs = noise(1000 + s, 30);
      if (changePoints(xs, { variance: noiseVariance(xs), minStep: 0 }).length) alarms++;
    }
    expect(alarms / n).toBeLessThanOrEqual(binomialBound(0.035, n, 1));
  });

  it('on a noiseless series finds exactly the steps, and ignores those below minStep', () => {
    const xs = [0.8, 0.8, 0.8, 0.8, 0.6, 0.6, 0.6, 0.605, 0.605];
    expect(changePoints(xs, { variance: noiseVariance(xs), minStep: 0.01 })).toEqual([{ index: 4, before: 0.8, after: 0.6 }]);
    expect(changePoints([0.5, 0.5, 0.5], { variance: 0, minStep: 0 })).toEqual([]);
  });
});

describe('optrobust history', () => {
  let folder = '';
  let normal = '';
  let weak = '';
  const night = (from: string, i: number, into: string) => {
    const dir = join(into, `night-${i}`);
    cpSync(from, dir, { recursive: true });
    const m = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown> & { timings: Record<string, unknown> };
    m.timings.startedAt = `2026-11-${String(i).padStart(2, '0')}T02:17:00.000Z`;
    m.provenance = { git: { commit: String(i).repeat(40), dirty: false } };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(m));
  };

  beforeAll(async () => {
    const seeds = { seeds: [0, 1, 2] };
    normal = (await smallRun(seeds)).dir;
    weak = (
      await smallRun({
        ...seeds,
        optimizers: [
          { name: 'sgd', options: { lr: 0.1 } },
          { name: 'adam', options: { lr: 1e-5 } },
        ],
      })
    ).dir;
    folder = mkdtempSync(join(tmpdir(), 'history-'));
    // Written out of order: the history orders by recorded start time.
    for (const i of [6, 2, 5, 1, 4, 3]) night(i >= 4 ? weak : normal, i, folder);
  }, 300_000);

  it(
    'marks the change where the weakened optimizer came in, with its commit, and none for the unchanged one; exit 0 ' + 'when the latest run starts nothing',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'history-out-'));
      // The weakened optimizer is simulated by a lower learning rate: a change of setup, allowed here.
      const r = await cli(['history', folder, '--out', out, '--allow-mismatch']);
      expect(r.code, r.stderr).toBe(0);
      const rows = parse(readFileSync(join(out, 'history.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
      expect([...new Set(rows.map((x) => x.run))]).toEqual(['night-1', 'night-2', 'night-3', 'night-4', 'night-5', 'night-6']);
      const adamClean = rows.filter((x) => x.optimizer === 'adam' && x.perturbation === 'clean' && x.metric === 'accuracy');
      expect(adamClean.filter((x) => x.change_point).map((x) => [x.run, x.change_point, x.commit])).toEqual([['night-4', 'worse', '4'.repeat(40)]]);
      expect(rows.filter((x) => x.optimizer === 'sgd' && x.change_point)).toEqual([]);
      const html = readFileSync(join(out, 'history.html'), 'utf8');
      expect(html).toContain('starts no change for the worse');
      expect(html).toMatch(/<td>▼ worse<\/td><td>change from night-4 \(commit 4444444444\)<\/td><td>\d+\.\d% → \d+\.\d%<\/td>/);
      // The report's charting: a panel per perturbation, axes titled, runs numbered as in the runs table.
      const svg = /<svg[\s\S]*?<\/svg>/.exec(html)![0];
      for (const text of ['accuracy (%)', 'run (# in the table below)', 'clean', 'gaussian_noise', 'fgsm', 'rotation', 'sgd', 'adam'])
        expect(svg).toContain(`>${text}<`);
      // The change is drawn where it begins: a downward triangle in the clean panel.
      expect(svg).toMatch(/aria-roledescription="point"/);
      // Runs of a different setup are followed (--allow-mismatch) and flagged, each with its first difference.
      expect(html).toContain('<b>3 of 6 runs differ in setup from the latest</b>');
      expect((html.match(/<span class="bad">differs: optimizer adam/g) ?? []).length).toBe(3);
    },
  );

  it('exits 1 when the latest run is the one that starts a change for the worse', async () => {
    const recent = mkdtempSync(join(tmpdir(), 'history-recent-'));
    for (const i of [1, 2, 3]) night(normal, i, recent);
    night(weak, 4, recent);
    const r = await cli(['history', recent, '--out', join(recent, 'out'), '--allow-mismatch']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION from the latest run: adam · clean · accuracy/);
  });

  it('refuses runs whose setups differ, as compare does, naming them and the first difference; nothing written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'history-mixed-')), 'out');
    const r = await cli(['history', folder, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 run\(s\) differ in setup from the latest, night-6: night-1 \(optimizer adam: it \{"name":"adam","options":\{"lr":0\.003/);
    expect(r.stderr).toMatch(/leave them out, or pass --allow-mismatch/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses fewer than two runs, runs of different suites, and folders without runs, exit 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'history-empty-'));
    mkdirSync(join(empty, 'nothing'));
    expect((await cli(['history', empty])).stderr).toMatch(/neither a run directory \(no run.json\) nor a folder of runs/);
    const one = await cli(['history', normal, '--out', join(empty, 'o')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/needs at least two runs; found 1/);
  });
});
