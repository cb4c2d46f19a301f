// results.csv: tidy, one measurement per row (see reports/README.md for the columns).
import { stringify } from 'csv-stringify/sync';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import type { CellResult } from '../experiment/cell.ts';
import type { Summary } from '../metrics/summary.ts';
import { modelLabel } from '../model/architectures.ts';
import { cell } from './format.ts';

export interface Measurement {
  readonly optimizer: string;
  readonly seed: number;
  readonly perturbation: string;
  readonly severity: number;
  readonly metric: string;
  readonly value: number;
}

export const RESULT_COLUMNS = ['suite', 'dataset', 'model', 'optimizer', 'optimizer_name', 'lr', 'options', 'schedule', 'seed', 'perturbation', 'severity', 'metric', 'value'] as const;

const STAT_KEYS = ['mean', 'std', 'min', 'median', 'p95', 'max'] as const;

function summaryRows(prefix: string, s: Summary, add: (metric: string, value: number) => void, keys: readonly (keyof Summary)[] = STAT_KEYS): void {
  for (const k of keys) add(`${prefix}_${k}`, s[k]);
}

/** Every measurement of one cell, in a fixed order. */
export function measurements(r: CellResult): Measurement[] {
  const rows: Measurement[] = [];
  const at = (perturbation: string, severity: number) => (metric: string, value: number) =>
    rows.push({ optimizer: r.optimizer, seed: r.seed, perturbation, severity, metric, value });
  const train = at('train', 0);
  train('diverged', r.diverged ? 1 : 0);
  if (r.diverged) train('diverged_step', r.diverged.step);
  train('steps', r.train.steps);
  train('final_loss', r.train.finalLoss);
  summaryRows('grad_norm', r.train.gradNorm, train);
  train('grad_norm_nonfinite', r.train.gradNorm.nonFinite);
  summaryRows('update_norm', r.train.updateNorm, train);
  train('update_norm_nonfinite', r.train.updateNorm.nonFinite);
  for (const p of r.eval ?? []) {
    const add = at(p.perturbation, p.severity);
    add('accuracy', p.accuracy);
    add('loss', p.loss);
  }
  if (r.inputGradients) {
    const clean = at('clean', 0);
    summaryRows('input_grad_l2', r.inputGradients.l2, clean, ['mean', 'median', 'p95']);
    summaryRows('input_grad_l1', r.inputGradients.l1, clean, ['mean', 'median', 'p95']);
  }
  return rows;
}

/** Cells in the suite's canonical order: optimizers as listed, then seeds as listed. */
export function orderRecords(suite: Suite, records: readonly CellRecord[]): CellRecord[] {
  const rank = (r: CellRecord) => {
    const k = r.kind === 'result' ? r.result : r.failure;
    return suite.optimizers.findIndex((o) => o.label === k.optimizer) * 1e6 + suite.seeds.indexOf(k.seed);
  };
  return [...records].sort((a, b) => rank(a) - rank(b));
}

export function resultsCsv(suite: Suite, records: readonly CellRecord[]): string {
  const rows: string[][] = [];
  for (const rec of orderRecords(suite, records)) {
    const key = rec.kind === 'result' ? rec.result : rec.failure;
    const entry = suite.optimizers.find((o) => o.label === key.optimizer)!;
    const fixed = [suite.name, suite.dataset, modelLabel(suite.model), entry.label, entry.name, cell(entry.options.lr as number), JSON.stringify(entry.options), entry.schedule ? JSON.stringify(entry.schedule) : 'constant'];
    const ms: Measurement[] = rec.kind === 'result' ? measurements(rec.result) : [{ ...key, perturbation: 'train', severity: 0, metric: 'failed', value: 1 }];
    for (const m of ms) rows.push([...fixed, cell(m.seed), m.perturbation, cell(m.severity), m.metric, cell(m.value)]);
  }
  return stringify(rows, { header: true, columns: [...RESULT_COLUMNS] });
}
