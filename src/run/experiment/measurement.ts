// A measurement: one number about one cell, the unit of results.csv, summary.csv and compare.
import type { ArmKey, CellKey } from './grid.ts';

export interface Measurement extends ArmKey {
  readonly seed: number;
  /** `train` for training statistics, `clean` for unperturbed test data, else a perturbation. */
  readonly perturbation: string;
  /** The perturbation's severity (0 for train and clean). */
  readonly severity: number;
  /** A name from metrics/catalog.ts. */
  readonly metric: string;
  readonly value: number;
}

export const TRAIN = 'train';

/** Adds one number about a cell at (perturbation, severity). */
export type AddRow = (metric: string, value: number) => void;

/** A phase's row writer for one cell: `at(perturbation, severity)(metric, value)` appends to `rows`. */
export function rowsAt(rows: Measurement[], key: CellKey) {
  return (perturbation: string, severity: number): AddRow =>
    (metric, value) =>
      rows.push({ model: key.model, regime: key.regime, optimizer: key.optimizer, seed: key.seed, perturbation, severity, metric, value });
}
