// summary.csv: per (optimizer, perturbation, severity, metric) across seeds: n, mean,
// std, Student-t 95% interval, and the paired difference from the reference optimizer.
import { stringify } from 'csv-stringify/sync';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { describe, pairedTest, type Interval, type TestResult } from '../metrics/stats.ts';
import { orderRecords, recordMeasurements } from './results-csv.ts';
import { cell } from './format.ts';

export interface SummaryRow {
  readonly optimizer: string;
  readonly perturbation: string;
  readonly severity: number;
  readonly metric: string;
  readonly stats: Interval;
  /** Paired against the reference over shared seeds; null for the reference itself. */
  readonly vsReference: TestResult | null;
}

export const SUMMARY_COLUMNS = ['optimizer', 'perturbation', 'severity', 'metric', 'n', 'n_nonfinite', 'mean', 'std', 'ci95_low', 'ci95_high', 'reference', 'diff', 'diff_ci95_low', 'diff_ci95_high', 'p_value'] as const;

export function summarizeRecords(suite: Suite, records: readonly CellRecord[]): SummaryRow[] {
  // (optimizer, perturbation, severity, metric) -> seed -> value, in first-seen order.
  const groups = new Map<string, { optimizer: string; perturbation: string; severity: number; metric: string; bySeed: Map<number, number> }>();
  for (const rec of orderRecords(suite, records)) {
    if (rec.kind === 'failure') continue;
    for (const m of recordMeasurements(rec)) {
      const key = `${m.optimizer}\u0000${m.perturbation}\u0000${m.severity}\u0000${m.metric}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ...m, bySeed: new Map() }));
      g.bySeed.set(m.seed, m.value);
    }
  }
  const rows: SummaryRow[] = [];
  for (const g of groups.values()) {
    const ref = groups.get(`${suite.reference}\u0000${g.perturbation}\u0000${g.severity}\u0000${g.metric}`);
    let vsReference: TestResult | null = null;
    if (g.optimizer !== suite.reference && ref) {
      const seeds = [...g.bySeed.keys()].filter((s) => ref.bySeed.has(s));
      vsReference = pairedTest(seeds.map((s) => g.bySeed.get(s)!), seeds.map((s) => ref.bySeed.get(s)!));
    }
    rows.push({ optimizer: g.optimizer, perturbation: g.perturbation, severity: g.severity, metric: g.metric, stats: describe([...g.bySeed.values()]), vsReference });
  }
  return rows;
}

export function summaryCsv(suite: Suite, rows: readonly SummaryRow[]): string {
  return stringify(
    rows.map((r) => {
      const t = r.vsReference;
      return [r.optimizer, r.perturbation, r.severity, r.metric, r.stats.n, r.stats.nonFinite, r.stats.mean, r.stats.std, r.stats.ciLow, r.stats.ciHigh, r.optimizer === suite.reference ? '' : suite.reference, t?.diff, t?.ciLow, t?.ciHigh, t?.p].map(cell);
    }),
    { header: true, columns: [...SUMMARY_COLUMNS] },
  );
}
