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

/** The sentence a person reads about one. */
export const maskingText = (f: MaskingFlag): string =>
  `${f.check} (${f.detail}): the white-box attacks may be misled by a masked gradient; their accuracies are upper bounds ` +
  '(Carlini et al. 2019, Athalye et al. 2018)';
