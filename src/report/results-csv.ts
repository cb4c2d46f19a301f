// results.csv: tidy, one measurement per row (see reports/README.md for the columns).
import { stringify } from 'csv-stringify/sync';
import type { Suite } from '../experiment/suite.ts';
import { recordKey, type CellRecord } from '../experiment/store.ts';
import type { MatchedResult } from '../experiment/protocol.ts';
import type { CellResult } from '../experiment/cell.ts';
import type { Summary } from '../metrics/summary.ts';
import { modelLabel } from '../model/families/registry.ts';
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

/** The matched-accuracy view of a cell: its checkpoint's epoch and validation accuracy, and robustness there. */
export function matchedMeasurements(m: MatchedResult): Measurement[] {
  const at = (perturbation: string, severity: number, metric: string, value: number): Measurement => ({ optimizer: m.optimizer, seed: m.seed, perturbation, severity, metric, value });
  return [
    at('train', 0, 'matched_epoch', m.epoch),
    at('train', 0, 'matched_val_accuracy', m.valAccuracy),
    ...m.eval.flatMap((p) => [at(p.perturbation, p.severity, 'matched_accuracy', p.accuracy), at(p.perturbation, p.severity, 'matched_loss', p.loss)]),
  ];
}

/** The rows results.csv holds for a record: tuning trials go to tuning.csv instead. */
export function recordMeasurements(rec: CellRecord): Measurement[] {
  switch (rec.kind) {
    case 'result':
      return measurements(rec.result);
    case 'matched':
      return matchedMeasurements(rec.matched);
    case 'failure': {
      const f = rec.failure;
      return [{ optimizer: f.optimizer, seed: f.seed, perturbation: f.phase && f.phase !== 'main' ? f.phase : 'train', severity: f.lr ?? f.epoch ?? 0, metric: 'failed', value: 1 }];
    }
    case 'tune':
      return [];
  }
}

/** Records in the suite's canonical order: optimizers as listed, then seeds, then phase (tune, main, matched). */
export function orderRecords(suite: Suite, records: readonly CellRecord[]): CellRecord[] {
  const phase = { tune: 0, main: 1, matched: 2 };
  const rank = (r: CellRecord) => {
    const k = recordKey(r);
    return [suite.optimizers.findIndex((o) => o.label === k.optimizer), suite.seeds.indexOf(k.seed), phase[k.phase ?? 'main'], k.lr ?? k.epoch ?? 0];
  };
  return [...records].sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
}

/** The learning rate a cell trained with: tuned when the suite tunes, else the suite's. */
function cellLr(rec: CellRecord, fallback: number): number {
  if (rec.kind === 'result') return rec.result.lr;
  if (rec.kind === 'matched') return rec.matched.lr;
  return fallback;
}

export function resultsCsv(suite: Suite, records: readonly CellRecord[]): string {
  const rows: string[][] = [];
  for (const rec of orderRecords(suite, records)) {
    const key = recordKey(rec);
    const entry = suite.optimizers.find((o) => o.label === key.optimizer)!;
    const lr = cellLr(rec, entry.options.lr as number);
    const fixed = [suite.name, suite.dataset, modelLabel(suite.model), entry.label, entry.name, lr, JSON.stringify({ ...entry.options, lr }), entry.schedule ? JSON.stringify(entry.schedule) : 'constant'];
    for (const m of recordMeasurements(rec)) rows.push([...fixed, m.seed, m.perturbation, m.severity, m.metric, m.value].map(cell));
  }
  return stringify(rows, { header: true, columns: [...RESULT_COLUMNS] });
}
