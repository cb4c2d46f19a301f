// A pool worker: runs one cell of any phase per task. Datasets and compiled networks are
// cached per worker, so a worker pays for loading and session creation once, not per cell;
// so are the model-free perturbed test sets, drawn once per seed rather than once per cell.
import { loadSuiteData } from '../core/data/sources.ts';
import { importOnce } from '../core/util/import-module.ts';
import type { Dataset } from '../core/data/dataset.ts';
import { PerturbedCache } from '../measure/metrics/perturbed-cache.ts';
import { runTask, type Outcome, type Task } from '../run/experiment/run.ts';
import { runIdentity, type RunConfig } from '../run/experiment/manifest.ts';
import type { CellCheckpoints } from '../run/experiment/checkpoints.ts';

export interface WorkerTask extends Task {
  readonly config: RunConfig;
  readonly threads: number;
  /** Mid-cell checkpoints: the run folder, and seconds between them. */
  readonly checkpoints?: { readonly dir: string; readonly every: number };
}

/** Loads the suite's data ahead of the first cell (startPool's warm). */
export interface WarmTask {
  readonly warm: {
    readonly suite: { readonly dataset: string; readonly data?: RunConfig['suite']['data'] };
    readonly dataDir?: string;
    readonly modules?: RunConfig['modules'];
  };
}

const datasets = new Map<string, Dataset>();

const dataKey = (suite: WarmTask['warm']['suite'], dataDir: string | undefined) => `${suite.dataset}\u0000${suite.data?.path ?? ''}\u0000${dataDir ?? ''}`;

async function dataFor(suite: WarmTask['warm']['suite'], dataDir: string | undefined): Promise<Dataset> {
  const id = dataKey(suite, dataDir);
  let dataset = datasets.get(id);
  if (!dataset) datasets.set(id, (dataset = await loadSuiteData(suite, dataDir)));
  return dataset;
}
const perturbed = new PerturbedCache();

// ^C in a terminal (and a closed terminal's SIGHUP) reaches the whole process group; the
// parent decides what stops, so a cell is never recorded as failed because its worker saw
// the signal. The parent stops a worker with SIGTERM (a batch engine may send it to every
// process too): a training cell saves a checkpoint after its current step and stops; a cell
// past training saves the training it holds; then the worker exits.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
let stopping = false;
let current: (CellCheckpoints & { flush(): void }) | undefined;
const onTerm = () => {
  stopping = true;
  // Training: the next step checkpoints and stops. Otherwise the worker ends now, idle ones
  // included: tinypool ends its workers with SIGTERM too.
  if (current?.training) return;
  try {
    current?.flush();
  } catch {
    // The earlier checkpoint, if any, stands; the cell is not lost, only its latest training.
  }
  // Then the signal's own effect: re-raised with the default disposition, the worker ends.
  process.off('SIGTERM', onTerm);
  process.kill(process.pid, 'SIGTERM');
};
process.on('SIGTERM', onTerm);

export default async function runWorkerTask(task: WorkerTask | WarmTask): Promise<Outcome | null> {
  if ('warm' in task) {
    // Failures surface again, as the cell's own, when the first cell loads the same things.
    try {
      await importOnce((task.warm.modules ?? []).map((m) => m.path));
      await dataFor(task.warm.suite, task.warm.dataDir);
    } catch {}
    return null;
  }
  const { config, threads } = task;
  let dataset: Dataset;
  try {
    // The suite's own optimizers (defineOptimizer) register when their module is imported.
    await importOnce((config.modules ?? []).map((m) => m.path));
    dataset = await dataFor(config.suite, config.dataDir);
  } catch (e) {
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e), seconds: 0 };
  }
  if (dataset.fingerprint !== config.data.fingerprint) {
    return {
      error:
        `the data in ${dataset.dir} changed since the run started (fingerprint ${dataset.fingerprint.slice(0, 12)}, ` +
        `the run's is ${config.data.fingerprint.slice(0, 12)})`,
      seconds: 0,
    };
  }
  const checkpoints = task.checkpoints && {
    dir: task.checkpoints.dir,
    every: task.checkpoints.every,
    identity: runIdentity(config),
    stopping: () => stopping,
    track: (cell: typeof current) => (current = cell),
  };
  return runTask({ suite: config.suite, dataset, threads, perturbed }, task, config.keepWeights ?? false, checkpoints);
}
