// results.csv: tidy, one measurement per row (see reports/README.md for the columns).
import { toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import type { CellRecord } from '../../run/experiment/store.ts';
import { metricInfo } from '../../measure/metrics/catalog.ts';
import { cell } from './format.ts';
import { phaseNamed } from '../../run/experiment/phases/index.ts';

export const RESULT_COLUMNS = [
  'suite',
  'dataset',
  'model',
  'regime',
  'optimizer',
  'optimizer_name',
  'lr',
  'options',
  'schedule',
  'seed',
  'perturbation',
  'severity',
  'metric',
  'unit',
  'value',
] as const;

/** The learning rate a cell trained with: its own (tuned) when its phase chose one, else the suite's. */
export function cellLr(rec: CellRecord, fallback: number): number {
  return (rec.kind === 'result' ? phaseNamed(rec.phase).lr?.(rec.key, rec.result) : undefined) ?? fallback;
}

export function resultsCsv(view: RunView): string {
  const { suite } = view;
  const rows: string[][] = [];
  for (const { record, arm, measurements } of view.rows) {
    const entry = arm.entry;
    const lr = cellLr(record, entry.options.lr as number);
    const fixed = [
      suite.name,
      suite.dataset,
      arm.model,
      arm.regime,
      entry.label,
      entry.name,
      lr,
      JSON.stringify({ ...entry.options, lr }),
      entry.schedule ? JSON.stringify(entry.schedule) : 'constant',
    ];
    for (const m of measurements) rows.push([...fixed, m.seed, m.perturbation, m.severity, m.metric, metricInfo(m.metric).unit, m.value].map(cell));
  }
  return toCsv(RESULT_COLUMNS, rows);
}
