// A main cell's headline scores per perturbation, as the findings rank arms: clean accuracy,
// and for each perturbation `accuracy_auc` (the accuracy averaged over its sweep). Budget
// sensitivity and the sequential seed procedure read cells through it.
import { M } from '../../measure/metrics/catalog.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import type { CellKey } from '../experiment/grid.ts';
import { cellMeasurements, type CellResult } from '../experiment/phases/main.ts';
import { scoreMeasurements } from './scores.ts';

/** Each cell's headline score per perturbation (clean accuracy under "clean"). */
export function cellScores(key: CellKey, r: CellResult): Map<string, number> {
  const ms = cellMeasurements(key, r);
  const out = new Map<string, number>();
  const clean = ms.find((m) => m.metric === M.accuracy.name && m.perturbation === CLEAN);
  if (clean) out.set(CLEAN, clean.value);
  for (const s of scoreMeasurements(ms, undefined, M.accuracy.name)) if (s.metric === M.auc.name) out.set(s.perturbation, s.value);
  return out;
}
