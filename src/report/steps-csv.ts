// steps.csv: the training curves, one row per logged step.
import { stringify } from 'csv-stringify/sync';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { orderRecords } from './results-csv.ts';
import { cell } from './format.ts';

export const STEP_COLUMNS = ['optimizer', 'seed', 'epoch', 'step', 'lr', 'loss', 'grad_norm', 'update_norm'] as const;

export function stepsCsv(suite: Suite, records: readonly CellRecord[]): string {
  const rows: string[][] = [];
  for (const rec of orderRecords(suite, records)) {
    if (rec.kind !== 'result') continue;
    const r = rec.result;
    for (const s of r.steps) rows.push([r.optimizer, r.seed, s.epoch, s.step, s.lr, s.loss, s.gradNorm, s.updateNorm].map(cell));
  }
  return stringify(rows, { header: true, columns: [...STEP_COLUMNS] });
}
