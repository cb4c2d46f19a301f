// A pool worker: runs one cell per task. Datasets and compiled networks are cached per
// worker, so a worker pays for loading and session creation once, not once per cell.
import { loadDataset, type Dataset } from '../src/index.ts';
import { runCell, type CellKey, type CellResult } from '../src/experiment/cell.ts';
import type { RunConfig } from '../src/experiment/manifest.ts';

export interface CellTask {
  readonly config: RunConfig;
  readonly key: CellKey;
  readonly threads: number;
}

export interface CellOutcome {
  readonly result?: CellResult;
  readonly error?: string;
  readonly seconds: number;
}

const datasets = new Map<string, Dataset>();

export default async function runTask({ config, key, threads }: CellTask): Promise<CellOutcome> {
  const start = performance.now();
  try {
    const id = `${config.suite.dataset}\u0000${config.dataDir ?? ''}`;
    let dataset = datasets.get(id);
    if (!dataset) datasets.set(id, (dataset = loadDataset(config.suite.dataset, config.dataDir)));
    const result = await runCell({ suite: config.suite, dataset, threads }, key);
    return { result, seconds: (performance.now() - start) / 1000 };
  } catch (e) {
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e), seconds: (performance.now() - start) / 1000 };
  }
}
