// The gradient-masking checks that failed, cell by cell, as a person reads them: in the report's
// "Cells to look at" and as warnings at the end of `run` and `evaluate`. The checks themselves
// and their thresholds: src/measure/metrics/masking.ts.
import type { RunView } from './view.ts';
import { phaseResults } from '../experiment/phase.ts';
import { main } from '../experiment/phases/main.ts';
import { taskLabel } from '../experiment/run.ts';
import { maskingChecks } from '../../measure/metrics/masking.ts';

export interface MaskingFlag {
  /** The cell, as taskLabel names it. */
  readonly cell: string;
  /** The check's metric. */
  readonly check: string;
  readonly detail: string;
}

export function maskingFlags(view: RunView): MaskingFlag[] {
  return phaseResults(view.records, main).flatMap(({ key, result }) =>
    maskingChecks(result.eval ?? [], result.classCounts)
      .filter((c) => c.value === 1)
      .map((c) => ({ cell: taskLabel(view.suite, { phase: main.name, key }), check: c.check, detail: c.detail })),
  );
}

/** Cells named per check before "and N more". */
const LISTED = 4;

/**
 * One sentence per failed check, however many cells fail it: where (the first few cells, each
 * with what was compared) and what it means.
 */
export function maskingSentences(flags: readonly MaskingFlag[]): string[] {
  const byCheck = new Map<string, MaskingFlag[]>();
  for (const f of flags) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
  return [...byCheck].map(([check, list]) => {
    const where = list.slice(0, LISTED).map((f) => `${f.cell} (${f.detail})`);
    const more = list.length > LISTED ? `, and ${list.length - LISTED} more (results.csv's ${check} rows)` : '';
    return (
      `${check} fails ${list.length === 1 ? 'once' : `${list.length} times`}: ${where.join('; ')}${more}. The white-box attacks may be ` +
      'misled by a masked gradient: their accuracies are upper bounds (Carlini et al. 2019, Athalye et al. 2018)'
    );
  });
}
