// The phases of a run, in the order they run. Adding a phase is one file and one line here.
import type { Phase } from '../phase.ts';
import { tune } from './tune.ts';
import { main } from './main.ts';
import { matched } from './matched.ts';

// The registry holds phases of different key, result and input types; callers pass each
// phase back only what it produced (records carry their phase's name).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPhase = Phase<any, any, any>;

export const PHASES: readonly AnyPhase[] = [tune, main, matched];

export function phaseNamed(name: string): AnyPhase {
  const p = PHASES.find((x) => x.name === name);
  if (!p) throw new Error(`unknown phase "${name}"; known: ${PHASES.map((x) => x.name).join(', ')}`);
  return p;
}
