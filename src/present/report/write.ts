// Regenerates every output file of a run directory from its store. Result files hold
// no timestamps or timings, so the same records always give the same bytes; report.html
// also shows run.json's environment and wall time.
import { join } from 'node:path';
import type { Suite } from '../../run/experiment/suite.ts';
import type { CellRecord } from '../../run/experiment/store.ts';
import type { RunManifest } from '../../run/experiment/manifest.ts';
import { writeFileAtomic } from '../../core/util/atomic.ts';
import { runView, type RunView } from '../../run/results/view.ts';
import { resultsCsv } from './results-csv.ts';
import { summaryCsv } from './summary-csv.ts';
import { type CellRows, layersCsv, stepsCsv } from './steps-csv.ts';
import { reportHtml, trained } from './html.ts';
import { tuningCsv } from './tuning-csv.ts';
import { budgetCsv } from './budget-csv.ts';
import { fourierCsv } from './fourier.ts';
import { classesCsv, hasClasses } from './classes.ts';
import { confusionCsv, hasConfusion } from './confusion.ts';

export const RESULT_FILES = ['results.csv', 'summary.csv', 'steps.csv', 'layers.csv'] as const;

interface Output {
  readonly name: string;
  /** What it holds, for the report's list of files. */
  readonly what: string;
  /** Written for this run (default: always). */
  readonly when?: (view: RunView) => boolean;
  readonly render: (view: RunView, manifest: RunManifest | undefined, ahead: CellRows | undefined) => string;
}

/** A run's result files, in the order the report lists them: one line each. */
const OUTPUTS: readonly Output[] = [
  { name: 'results.csv', what: 'every measurement of every cell', render: (v) => resultsCsv(v) },
  { name: 'summary.csv', what: 'means over seeds, intervals, tests against the reference, q-values', render: (v) => summaryCsv(v) },
  { name: 'steps.csv', what: 'loss, learning rate and norms at every training step', when: trained, render: (v, _m, a) => stepsCsv(v, a) },
  { name: 'layers.csv', what: 'per-layer gradient, update and parameter norms', when: trained, render: (v, _m, a) => layersCsv(v, a) },
  { name: 'tuning.csv', what: 'every tuning trial', when: (v) => v.suite.tune !== undefined, render: (v) => tuningCsv(v) },
  { name: 'budget.csv', what: 'rankings at each tuning budget', when: (v) => v.budgets !== undefined, render: (v) => budgetCsv(v) },
  { name: 'fourier.csv', what: "each cell's Fourier heat map", when: (v) => v.suite.fourier !== undefined, render: (v) => fourierCsv(v) },
  { name: 'classes.csv', what: 'accuracy per class', when: hasClasses, render: (v, m) => classesCsv(v, m) },
  {
    name: 'confusion.csv',
    what: 'confusion matrices at clean and each strongest severity',
    when: hasConfusion,
    render: (v, m) => confusionCsv(v, m),
  },
];

/** `ahead`: rows rendered while the run's cells finished (runGrid fills it), so that only joining is left. */
export async function writeRunOutputs(dir: string, suite: Suite, records: readonly CellRecord[], manifest?: RunManifest, ahead?: CellRows): Promise<void> {
  const view = runView(suite, records);
  const written = OUTPUTS.filter((o) => o.when?.(view) ?? true);
  for (const o of written) writeFileAtomic(join(dir, o.name), o.render(view, manifest, ahead));
  const files = [...written.map(({ name, what }) => ({ name, what })), { name: 'run.json', what: 'the configuration, environment and timings' }];
  writeFileAtomic(join(dir, 'report.html'), await reportHtml(view, manifest, files));
}
