// A model evaluated as it is (0 epochs: `evaluate`) that scores near chance on clean data is
// almost always scored on the wrong data or without its preprocessing: every number after it
// is wrong, not low. One that scores clearly higher on standardised input was probably trained
// on it (measure/metrics/normalisation.ts). Both are said where the numbers are shown.
import type { RunView } from './view.ts';
import type { Arm } from '../experiment/grid.ts';
import { phaseResults } from '../experiment/phase.ts';
import { main } from '../experiment/phases/main.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { M } from '../../measure/metrics/catalog.ts';
import { armId } from '../experiment/grid.ts';
import { NORMALISATION_GAIN } from '../../measure/metrics/normalisation.ts';

/** Within this factor of chance (1 / classes) counts as near it. */
export const NEAR_CHANCE = 1.5;

export interface NearChance {
  readonly arm: Arm;
  readonly accuracy: number;
  readonly chance: number;
}

/** The arms of a run of pretrained models (0 epochs) whose mean clean accuracy is within NEAR_CHANCE x chance. */
export function nearChance(view: RunView): NearChance[] {
  if (view.suite.epochs !== 0) return [];
  const classes = phaseResults(view.records, main).find((c) => c.result.classCounts)?.result.classCounts?.length;
  if (!classes) return [];
  const chance = 1 / classes;
  return view.arms.flatMap((arm) => {
    const row = view.summary.find((r) => armId(r.arm) === arm.id && r.perturbation === CLEAN && r.severity === 0 && r.metric === M.accuracy.name);
    return row && Number.isFinite(row.stats.mean) && row.stats.mean <= NEAR_CHANCE * chance ? [{ arm, accuracy: row.stats.mean, chance }] : [];
  });
}

/** The sentence a person reads about it. */
export const nearChanceText = (n: NearChance): string =>
  `clean accuracy ${(100 * n.accuracy).toFixed(1)}% is near chance (${(100 * n.chance).toFixed(1)}% for ${Math.round(1 / n.chance)} classes): ` +
  'is the model scored on the data it was trained for, with its preprocessing (--mean/--std/--scale)?';

export interface Unnormalised {
  readonly arm: Arm;
  /** Mean over seeds: clean accuracy as scored, and on standardised test images. */
  readonly accuracy: number;
  readonly normalised: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The arms of a pretrained model scored without stated preprocessing that score NORMALISATION_GAIN or more higher on standardised input. */
export function unnormalised(view: RunView): Unnormalised[] {
  return view.arms.flatMap((arm) => {
    const cells = phaseResults(view.records, main).filter((c) => armId(c.key) === arm.id && c.result.normalisation && c.result.eval);
    if (!cells.length) return [];
    const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const accuracy = meanOf(cells.map((c) => c.result.eval!.find((p) => p.perturbation === CLEAN)!.accuracy));
    const normalised = meanOf(cells.map((c) => c.result.normalisation!.accuracy));
    const { mean, std } = cells[0]!.result.normalisation!;
    return normalised - accuracy >= NORMALISATION_GAIN ? [{ arm, accuracy, normalised, mean, std }] : [];
  });
}

const list = (xs: readonly number[]) => xs.map((v) => v.toFixed(4)).join(',');

/** The sentence a person reads about it. */
export const unnormalisedText = (u: Unnormalised): string =>
  `clean accuracy ${(100 * u.accuracy).toFixed(1)}% as given, ${(100 * u.normalised).toFixed(1)}% on the test images standardised by their ` +
  `own mean and standard deviation: does the model expect normalised input? If so, pass it (--mean ${list(u.mean)} --std ${list(u.std)}, ` +
  `or the values it was trained with), or state it in the file (metadata optrobust.preprocess)`;
