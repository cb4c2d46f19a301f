// The phases of a run, in the order they run. Adding a phase is one file and one line here.
import type { Phase } from '../phase.ts';
import { tune } from './tune.ts';
import { main } from './main.ts';
import { matched } from './matched.ts';
import { budget } from './budget.ts';

// The registry holds phases of different key, result and input types; callers pass each
// phase back only what it produced (records carry their phase's name).
// biome-ignore lint/suspicious/noExplicitAny: each phase keeps its own key, result and input types; the registry only routes records back to their phase.
export type AnyPhase = Phase<any, any, any>;

export const PHASES: readonly AnyPhase[] = [tune, main, budget, matched];

/**
 * The phase whose cells are the suite's grid itself, one trained model per (arm, seed): its
 * cells are labelled without a phase name, timed per cell in run.json, counted in the
 * end-of-run table and exported as models.
 */
export const GRID = main;

export function phaseNamed(name: string): AnyPhase {
  const p = PHASES.find((x) => x.name === name);
  if (!p) throw new Error(`unknown phase "${name}"; known: ${PHASES.map((x) => x.name).join(', ')}`);
  return p;
}
