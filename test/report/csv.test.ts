// results.csv, summary.csv and steps.csv: tidy columns, numbers that agree with each
// other, and `optrobust report` regenerating the same bytes from the store.
import { beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cli, read } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { RESULT_COLUMNS } from '../../src/present/report/results-csv.ts';
import { SUMMARY_COLUMNS } from '../../src/present/report/summary-csv.ts';
import { STEP_COLUMNS } from '../../src/present/report/steps-csv.ts';

type Row = Record<string, string>;
let dir = '';
let results: Row[] = [];
let summary: Row[] = [];
let steps: Row[] = [];

beforeAll(async () => {
  ({ dir } = await smallRun());
  const load = (f: string) => parse(read(dir, f), { columns: true }) as Row[];
  results = load('results.csv');
  summary = load('summary.csv');
  steps = load('steps.csv');
}, 180_000);

describe('results.csv', () => {
  it('has the documented columns and one measurement per row', () => {
    expect(Object.keys(results[0]!)).toEqual([...RESULT_COLUMNS]);
    const keys = results.map((r) => [r.optimizer, r.seed, r.perturbation, r.severity, r.metric].join('|'));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('holds clean and every (perturbation, severity) accuracy per cell, and training rows', () => {
    const acc = results.filter((r) => r.metric === 'accuracy' && r.optimizer === 'adam' && r.seed === '1');
    expect(acc.map((r) => `${r.perturbation}:${r.severity}`)).toEqual(['clean:0', 'gaussian_noise:0.1', 'gaussian_noise:0.3', 'fgsm:0.05', 'rotation:30']);
    const train = results.filter((r) => r.perturbation === 'train' && r.optimizer === 'sgd' && r.seed === '0');
    expect(train.map((r) => r.metric)).toEqual(
      expect.arrayContaining(['diverged', 'final_loss', 'grad_norm_mean', 'grad_norm_p95', 'update_norm_max', 'grad_norm_nonfinite']),
    );
    expect(results.find((r) => r.optimizer === 'adam' && r.metric === 'lr')).toBeUndefined();
    expect(results[0]!.lr).toBe('0.1');
    expect(JSON.parse(results[0]!.options!)).toMatchObject({ lr: 0.1, momentum: 0 });
  });
});

describe('summary.csv', () => {
  it('agrees with results.csv: mean over seeds and the paired difference from the reference', () => {
    expect(Object.keys(summary[0]!)).toEqual([...SUMMARY_COLUMNS]);
    const value = (o: string, seed: string) =>
      Number(results.find((r) => r.optimizer === o && r.seed === seed && r.perturbation === 'clean' && r.metric === 'accuracy')!.value);
    const row = summary.find((r) => r.optimizer === 'adam' && r.perturbation === 'clean' && r.metric === 'accuracy')!;
    expect(Number(row.n)).toBe(2);
    expect(Number(row.mean)).toBeCloseTo((value('adam', '0') + value('adam', '1')) / 2, 6);
    expect(row.reference).toBe('sgd');
    expect(Number(row.diff)).toBeCloseTo((value('adam', '0') - value('sgd', '0') + value('adam', '1') - value('sgd', '1')) / 2, 6);
    const ref = summary.find((r) => r.optimizer === 'sgd' && r.perturbation === 'clean' && r.metric === 'accuracy')!;
    expect([ref.reference, ref.diff, ref.p_value]).toEqual(['', '', '']);
  });
});

describe('steps.csv', () => {
  it('has one row per training step per cell', () => {
    expect(Object.keys(steps[0]!)).toEqual([...STEP_COLUMNS]);
    expect(steps).toHaveLength(4 * 2 * (600 / 50));
    expect(steps.filter((s) => s.optimizer === 'sgd' && s.seed === '0').map((s) => Number(s.step))).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });
});

describe('optrobust report DIR', () => {
  it('regenerates the same result files from the store, without training', async () => {
    const before = ['results.csv', 'summary.csv', 'steps.csv'].map((f) => read(dir, f));
    for (const f of ['results.csv', 'summary.csv', 'steps.csv', 'report.html']) rmSync(join(dir, f));
    const r = await cli(['report', dir]);
    expect(r.code).toBe(0);
    expect(['results.csv', 'summary.csv', 'steps.csv'].map((f) => read(dir, f))).toEqual(before);
    expect(read(dir, 'report.html')).toContain('optrobust report: small');
  });
});
