// Regenerates every output file of a run directory from its store. Result files hold
// no timestamps or timings, so the same records always give the same bytes; report.html
// also shows run.json's environment and wall time.
import { join } from 'node:path';
import type { Suite } from '../../run/experiment/suite.ts';
import type { CellRecord } from '../../run/experiment/store.ts';
import type { RunManifest } from '../../run/experiment/manifest.ts';
import { writeFileAtomic } from '../../core/util/atomic.ts';
import { runView } from '../../run/results/view.ts';
import { resultsCsv } from './results-csv.ts';
import { summaryCsv } from './summary-csv.ts';
import { type CellRows, layersCsv, stepsCsv } from './steps-csv.ts';
import { reportHtml } from './html.ts';
import { tuningCsv } from './tuning-csv.ts';
import { fourierCsv } from './fourier.ts';
import { classesCsv, hasClasses } from './classes.ts';

export const RESULT_FILES = ['results.csv', 'summary.csv', 'steps.csv', 'layers.csv'] as const;

/** `ahead`: rows rendered while the run's cells finished (runGrid fills it), so that only joining is left. */
export async function writeRunOutputs(dir: string, suite: Suite, records: readonly CellRecord[], manifest?: RunManifest, ahead?: CellRows): Promise<void> {
  const view = runView(suite, records);
  writeFileAtomic(join(dir, 'results.csv'), resultsCsv(view));
  writeFileAtomic(join(dir, 'summary.csv'), summaryCsv(view));
  writeFileAtomic(join(dir, 'steps.csv'), stepsCsv(view, ahead));
  writeFileAtomic(join(dir, 'layers.csv'), layersCsv(view, ahead));
  if (suite.tune) writeFileAtomic(join(dir, 'tuning.csv'), tuningCsv(view));
  if (suite.fourier) writeFileAtomic(join(dir, 'fourier.csv'), fourierCsv(view));
  if (hasClasses(view)) writeFileAtomic(join(dir, 'classes.csv'), classesCsv(view, manifest));
  writeFileAtomic(join(dir, 'report.html'), await reportHtml(view, manifest));
}
