// Regenerates every result file of a run directory from its store. Result files hold
// no timestamps or timings, so the same records always give the same bytes.
import { join } from 'node:path';
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { resultsCsv } from './results-csv.ts';
import { summarizeRecords, summaryCsv } from './summary-csv.ts';
import { stepsCsv } from './steps-csv.ts';

export const RESULT_FILES = ['results.csv', 'summary.csv', 'steps.csv'] as const;

export function writeResultFiles(dir: string, suite: Suite, records: readonly CellRecord[]): void {
  writeFileAtomic(join(dir, 'results.csv'), resultsCsv(suite, records));
  writeFileAtomic(join(dir, 'summary.csv'), summaryCsv(suite, summarizeRecords(suite, records)));
  writeFileAtomic(join(dir, 'steps.csv'), stepsCsv(suite, records));
}
