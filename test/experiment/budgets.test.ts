// Budget sensitivity end to end: a smaller budget re-chooses from the first trials of the
// same search, the arms whose choice differs are trained at it, and budget.csv ranks the arms
// per perturbation at every budget; the full budget's ranking is the main cells' own.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { defineSuite, runSuite } from '../../src/index.ts';
import smoke from '../../suites/smoke.ts';

describe('tune.budgets', () => {
  it('re-chooses at each smaller budget from the same trials and ranks the arms at each', async () => {
    const suite = defineSuite({
      ...smoke,
      name: 'budgets',
      optimizers: [{ name: 'sgd', options: { lr: 0.1 } }, { label: 'mom', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } }, { name: 'adam' }],
      seeds: [0, 1],
      perturbations: { gaussian_noise: [0.3] },
      tune: { budget: 6, budgets: [1, 3], seeds: [0] },
    });
    const out = join(mkdtempSync(join(tmpdir(), 'optrobust-budgets-')), 'run');
    const run = await runSuite(suite, { out, workers: 2 });
    expect(run.failures).toBe(0);
    const read = (f: string) => parse(readFileSync(join(out, f), 'utf8'), { columns: true }) as Record<string, string>[];
    const tuning = read('tuning.csv');
    const budget = read('budget.csv');
    const results = read('results.csv');
    const cells = readFileSync(join(out, 'cells.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { phase: string; key: { optimizer: string; seed: number; trial?: number } });
    const mean = (rows: Record<string, string>[]) => rows.reduce((a, r) => a + Number(r.val_accuracy), 0) / rows.length;
    // Each budget's choice, from tuning.csv: the best of the first b trials.
    const choice = (o: string, b: number) => {
      const mine = tuning.filter((t) => t.optimizer === o && Number(t.trial) < b);
      const trials = [...new Set(mine.map((t) => t.trial))];
      return Number(trials.reduce((best, t) => (mean(mine.filter((x) => x.trial === t)) > mean(mine.filter((x) => x.trial === best)) ? t : best)));
    };
    for (const o of ['sgd', 'mom', 'adam']) {
      const full = choice(o, 6);
      const needed = new Set([1, 3].map((b) => choice(o, b)).filter((t) => t !== full));
      // Budget cells exist exactly for the trials a smaller budget chose and the full budget did not, for every seed.
      const trained = cells.filter((c) => c.phase === 'budget' && c.key.optimizer === o);
      expect(new Set(trained.map((c) => c.key.trial))).toEqual(needed);
      expect(trained).toHaveLength(2 * needed.size);
      for (const b of [1, 3, 6]) {
        const rows = budget.filter((r) => Number(r.budget) === b && r.optimizer === o);
        expect(rows.map((r) => r.perturbation)).toEqual(['clean', 'gaussian_noise']);
        for (const r of rows) expect(Number(r.trial), `${o} budget ${b}`).toBe(choice(o, b));
      }
    }
    // The full budget's scores are the main cells' (results.csv): clean accuracy's mean over seeds.
    for (const o of ['sgd', 'mom', 'adam']) {
      const clean = results.filter((r) => r.optimizer === o && r.perturbation === 'clean' && r.metric === 'accuracy');
      const row = budget.find((r) => r.budget === '6' && r.optimizer === o && r.perturbation === 'clean')!;
      expect(Number(row.score)).toBeCloseTo((Number(clean[0]!.value) + Number(clean[1]!.value)) / 2, 6);
    }
    // Ranks follow the scores, and a ranking holds when it is the full budget's.
    for (const b of ['1', '3', '6'])
      for (const p of ['clean', 'gaussian_noise']) {
        const rows = budget.filter((r) => r.budget === b && r.perturbation === p);
        expect(rows.map((r) => Number(r.rank))).toEqual([1, 2, 3]);
        for (let i = 1; i < rows.length; i++) expect(Number(rows[i - 1]!.score)).toBeGreaterThanOrEqual(Number(rows[i]!.score));
        const full = budget.filter((r) => r.budget === '6' && r.perturbation === p).map((r) => r.optimizer);
        const same = rows.map((r) => r.optimizer).join() === full.join();
        expect(rows.every((r) => r.ranking_holds === (same ? '1' : '0'))).toBe(true);
      }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Does the ranking hold as the budget grows?');
  }, 240_000);
});
