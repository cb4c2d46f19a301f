// results.csv: tidy, one measurement per row (see reports/README.md for the columns).
import { applyHyperparameters, type Hyperparameters } from '../../core/optim/space.ts';
import type { Schedule } from '../../core/optim/schedule.ts';
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

/** The options and schedule a tuned cell trained with; a warmup is written as its fraction of the run (the steps are the run's). */
function trainedWith(options: Readonly<Record<string, unknown>>, schedule: Schedule | undefined, h: Hyperparameters) {
  const applied = applyHyperparameters(options, schedule, h, 1);
  if (!('warmup' in h) && !('schedule' in h)) return applied;
  return { options: applied.options, schedule: { warmupFraction: h.warmup ?? 0, then: h.schedule ?? 'constant' } };
}

export function resultsCsv(view: RunView): string {
  const { suite } = view;
  const rows: string[][] = [];
  for (const { record, arm, measurements } of view.rows) {
    const entry = arm.entry;
    const lr = cellLr(record, entry.options.lr as number);
    // A quasirandom search's choice: the options and schedule the cell trained with (warmup as a fraction of its steps).
    const tuned = record.kind === 'result' ? phaseNamed(record.phase).tuned?.(record.key, record.result) : undefined;
    const { options, schedule } = tuned ? trainedWith(entry.options, entry.schedule, tuned) : { options: entry.options, schedule: entry.schedule };
    const fixed = [
      suite.name,
      suite.dataset,
      arm.model,
      arm.regime,
      entry.label,
      entry.name,
      lr,
      JSON.stringify({ ...options, lr }),
      schedule ? JSON.stringify(schedule) : 'constant',
    ];
    for (const m of measurements) rows.push([...fixed, m.seed, m.perturbation, m.severity, m.metric, metricInfo(m.metric).unit, m.value].map(cell));
  }
  return toCsv(RESULT_COLUMNS, rows);
}
