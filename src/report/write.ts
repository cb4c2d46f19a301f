// Regenerates every output file of a run directory from its store. Result files hold
// no timestamps or timings, so the same records always give the same bytes; report.html
// also shows run.json's environment and wall time.
import { join } from 'node:path';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import type { RunManifest } from '../experiment/manifest.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { resultsCsv } from './results-csv.ts';
import { summarizeRecords, summaryCsv } from './summary-csv.ts';
import { stepsCsv } from './steps-csv.ts';
import { reportHtml } from './html.ts';
import { tuningCsv } from './tuning-csv.ts';

export const RESULT_FILES = ['results.csv', 'summary.csv', 'steps.csv'] as const;

export async function writeRunOutputs(dir: string, suite: Suite, records: readonly CellRecord[], manifest?: RunManifest): Promise<void> {
  const summary = summarizeRecords(suite, records);
  writeFileAtomic(join(dir, 'results.csv'), resultsCsv(suite, records));
  writeFileAtomic(join(dir, 'summary.csv'), summaryCsv(suite, summary));
  writeFileAtomic(join(dir, 'steps.csv'), stepsCsv(suite, records));
  if (suite.tune) writeFileAtomic(join(dir, 'tuning.csv'), tuningCsv(suite, records));
  writeFileAtomic(join(dir, 'report.html'), await reportHtml({ suite, records, summary, manifest }));
}
