// The sequential seed procedure over a run's records (suite.autoSeeds): its headline
// comparisons are every arm against its group's reference arm under clean accuracy and each
// perturbation's `accuracy_auc`, paired by seed; the look sizes, levels and decisions are
// src/measure/metrics/sequential.ts's. Everything follows from the records, so a resumed,
// merged or re-reported run reaches the same look: nothing about the procedure is stored.
import { sequentialSeeds, type LookInterval, type SequentialOutcome } from '../../measure/metrics/sequential.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { phaseResults } from '../experiment/phase.ts';
import { main } from '../experiment/phases/main.ts';
import { armId, referenceArm, suiteArms, type ArmKey } from '../experiment/grid.ts';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { cellScores } from './cell-scores.ts';

export interface Comparison {
  readonly arm: ArmKey;
  readonly perturbation: string;
}

export interface SeedLook extends SequentialOutcome {
  /** The seeds of this look: the candidates' first `seeds`. */
  readonly seedList: readonly number[];
  /** Each comparison beside its interval (in `intervals` order). */
  readonly comparisons: readonly Comparison[];
}

/** The comparisons the procedure decides. */
export function headlineComparisons(suite: Suite): Comparison[] {
  const perturbations = [CLEAN, ...Object.keys(suite.perturbations).filter((p) => p !== CLEAN)];
  return suiteArms(suite)
    .filter((a) => a.optimizer !== suite.reference)
    .flatMap((a) => perturbations.map((perturbation) => ({ arm: { model: a.model, regime: a.regime, optimizer: a.optimizer }, perturbation })));
}

/** Where the procedure stands for these records, or undefined for a suite with fixed seeds. */
export function seedLook(suite: Suite, records: readonly CellRecord[]): SeedLook | undefined {
  const a = suite.autoSeeds;
  if (!a) return undefined;
  const scores = new Map<string, Map<string, number>>();
  for (const { key, result } of phaseResults(records, main)) scores.set(`${armId(key)}/${key.seed}`, cellScores(key, result));
  const comparisons = headlineComparisons(suite);
  const outcome = sequentialSeeds(a, (n) => {
    const seeds = suite.seeds.slice(0, n);
    const present = (k: ArmKey) => seeds.every((s) => scores.has(`${armId(k)}/${s}`));
    if (!suiteArms(suite).every(present)) return undefined;
    // A diverged cell has no scores: NaN keeps its comparison undecided.
    const at = (k: ArmKey, s: number, p: string) => scores.get(`${armId(k)}/${s}`)!.get(p) ?? Number.NaN;
    return comparisons.map((c) => seeds.map((s) => at(c.arm, s, c.perturbation) - at(referenceArm(suite, c.arm), s, c.perturbation)));
  });
  return { ...outcome, seedList: suite.seeds.slice(0, outcome.seeds), comparisons };
}

/** The suite as far as the procedure has gone: its seeds the look's (a suite with fixed seeds is itself). */
export function seededSuite(suite: Suite, records: readonly CellRecord[]): Suite {
  const look = seedLook(suite, records);
  return look ? { ...suite, seeds: look.seedList } : suite;
}

export type { LookInterval };
