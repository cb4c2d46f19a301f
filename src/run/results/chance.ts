// A model evaluated as it is (0 epochs: `evaluate`) that scores near chance on clean data is
// almost always scored on the wrong data or without its preprocessing: every number after it
// is wrong, not low. Said where the numbers are shown.
import type { RunView } from './view.ts';
import type { Arm } from '../experiment/grid.ts';
import { phaseResults } from '../experiment/phase.ts';
import { main } from '../experiment/phases/main.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { M } from '../../measure/metrics/catalog.ts';
import { armId } from '../experiment/grid.ts';

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
