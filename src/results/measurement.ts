// A measurement: one number about one cell, the unit of results.csv, summary.csv and compare.
import type { ArmKey } from '../experiment/grid.ts';

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
