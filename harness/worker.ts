// A pool worker: runs one cell per task (a tuning trial, a grid cell or a matched-accuracy
// cell). Datasets and compiled networks are cached per worker, so a worker pays for
// loading and session creation once, not once per cell.
import { loadDataset, type Dataset } from '../src/index.ts';
import { runCell, type CellKey, type CellResult } from '../src/experiment/cell.ts';
import { runMatchedCell, runTuneCell, validationSplit, type MatchedResult, type TuneResult } from '../src/experiment/protocol.ts';
import type { RunConfig } from '../src/experiment/manifest.ts';

export type CellTask =
  | { readonly phase: 'tune'; readonly config: RunConfig; readonly key: CellKey & { readonly lr: number }; readonly threads: number }
  | { readonly phase: 'main'; readonly config: RunConfig; readonly key: CellKey; readonly threads: number; readonly lr?: number }
  | { readonly phase: 'matched'; readonly config: RunConfig; readonly key: CellKey & { readonly epoch: number }; readonly threads: number; readonly lr: number; readonly target: number };

export interface CellOutcome {
  readonly result?: CellResult;
  readonly tune?: TuneResult;
  readonly matched?: MatchedResult;
  readonly error?: string;
  readonly seconds: number;
}

const datasets = new Map<string, Dataset>();

// ^C in a terminal reaches the whole process group; the parent decides what stops (it tears
// the pool down), so a cell is never recorded as failed because its worker saw the signal.
process.on('SIGINT', () => {});

export default async function runTask(task: CellTask): Promise<CellOutcome> {
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  try {
    const { config, threads } = task;
    const id = `${config.suite.dataset}\u0000${config.dataDir ?? ''}`;
    let dataset = datasets.get(id);
    if (!dataset) datasets.set(id, (dataset = loadDataset(config.suite.dataset, config.dataDir)));
    if (dataset.fingerprint !== config.data.fingerprint) throw new Error(`the data in ${dataset.dir} changed since the run started (fingerprint ${dataset.fingerprint.slice(0, 12)}, the run's is ${config.data.fingerprint.slice(0, 12)})`);
    const ctx = { suite: config.suite, dataset, threads };
    switch (task.phase) {
      case 'tune':
        return { tune: await runTuneCell(ctx, task.key), seconds: seconds() };
      case 'matched':
        return { matched: await runMatchedCell(ctx, task.key, task.lr, task.target), seconds: seconds() };
      case 'main': {
        const plan = task.lr === undefined ? undefined : { lr: task.lr, holdOut: validationSplit(config.suite, dataset) };
        return { result: await runCell(ctx, task.key, plan), seconds: seconds() };
      }
    }
  } catch (e) {
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e), seconds: seconds() };
  }
}
