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
    for (const s of r.steps) rows.push([r.optimizer, cell(r.seed), cell(s.epoch), cell(s.step), cell(s.lr), cell(s.loss), cell(s.gradNorm), cell(s.updateNorm)]);
  }
  return stringify(rows, { header: true, columns: [...STEP_COLUMNS] });
}
