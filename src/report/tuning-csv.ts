// tuning.csv: every learning-rate trial of the tuning stage, with the choice it led to.
import { stringify } from 'csv-stringify/sync';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { tunedChoices, type TuneResult } from '../experiment/protocol.ts';
import type { TuneChoice } from '../tune/choose.ts';
import { cell } from './format.ts';

export const TUNING_COLUMNS = ['optimizer', 'lr', 'seed', 'diverged', 'val_accuracy', 'val_loss', 'chosen', 'at_edge'] as const;

export function tuningTrials(records: readonly CellRecord[]): TuneResult[] {
  return records.flatMap((r) => (r.kind === 'tune' ? [r.tune] : []));
}

/** The choice per optimizer label, or undefined when the run did not tune (or lacks trials). */
export function tuningChoices(suite: Suite, records: readonly CellRecord[]): Map<string, TuneChoice> | undefined {
  const trials = tuningTrials(records);
  if (!suite.tune || trials.length === 0) return undefined;
  const labels = new Set(trials.map((t) => t.optimizer));
  return tunedChoices({ ...suite, optimizers: suite.optimizers.filter((o) => labels.has(o.label)) }, trials);
}

export function tuningCsv(suite: Suite, records: readonly CellRecord[]): string {
  const choices = tuningChoices(suite, records);
  const order = suite.optimizers.map((o) => o.label);
  const trials = tuningTrials(records).sort((a, b) => order.indexOf(a.optimizer) - order.indexOf(b.optimizer) || a.lr - b.lr || a.seed - b.seed);
  return stringify(
    trials.map((t) => {
      const c = choices?.get(t.optimizer);
      return [t.optimizer, t.lr, t.seed, t.diverged ? 1 : 0, t.valAccuracy, t.valLoss, c?.lr === t.lr ? 1 : 0, c?.lr === t.lr ? (c.atEdge ?? '') : ''].map(cell);
    }),
    { header: true, columns: [...TUNING_COLUMNS] },
  );
}
