// Running a suite from code: what `optrobust run` does, as one call. `runConfig` checks a suite
// against its data (every model buildable for it, every perturbation defined for its classes)
// before anything is written; `runSuite` then runs every cell in worker processes and writes
// the run folder (store, run.json, results.csv, summary.csv, steps.csv, report.html), and
// returns the run's view. The command line is this plus its flags, signals and terminal output.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DataInfo, suiteDataInfo } from '../core/data/sources.ts';
import { buildModel } from '../core/model/families/registry.ts';
import { checkOwnFolder } from '../core/util/paths.ts';
import { InputError, UsageError } from '../errors.ts';
import { classesProblem } from '../measure/perturb/registry.ts';
import { type Shard, suiteArms, suiteModels } from '../run/experiment/grid.ts';
import type { RunConfig } from '../run/experiment/manifest.ts';
import { tuneCells } from '../run/experiment/phases/tune.ts';
import type { CellRecord } from '../run/experiment/store.ts';
import type { Suite } from '../run/experiment/suite.ts';
import { runView, type RunView } from '../run/results/view.ts';
import { type Progress, runGrid, SILENT } from './pool.ts';

export interface RunConfigOptions {
  /** A folder holding the suite's dataset in its format (the command line's --data-dir). */
  readonly dataDir?: string;
  /** One slice of the grid (join slices with `optrobust merge`). */
  readonly shard?: Shard;
  /** Keep each trained cell's final weights in <run>/weights (default true). */
  readonly keepWeights?: boolean;
  /** Modules every worker imports first (a suite file that defines optimizers), with their SHA-256. */
  readonly modules?: RunConfig['modules'];
  /** Decoding progress of a large image folder. */
  readonly onDecode?: (done: number, total: number) => void;
}

/**
 * A suite's run configuration, checked against its data before anything is written: throws an
 * InputError naming the model or perturbation that does not fit (an imported file's input
 * shape or classes; an attack defined for more classes than the data has).
 */
export async function runConfig(suite: Suite, o: RunConfigOptions = {}): Promise<{ config: RunConfig; data: DataInfo }> {
  const data = await suiteDataInfo(suite, o.dataDir, o.onDecode);
  for (const { label, spec } of suiteModels(suite)) {
    try {
      buildModel(spec, data.shape, data.numClasses);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new UsageError(
        `suite "${suite.name}": model ${label} cannot be built for ${suite.dataset} ([${data.shape.join(', ')}], ` +
          `${data.numClasses} classes): ${(e as Error).message}`,
      );
    }
  }
  // An attack defined only for more classes than the data has (APGD-T's top-9 targets need 4).
  for (const name of Object.keys(suite.perturbations)) {
    const problem = classesProblem(name, data.numClasses);
    if (problem) throw new UsageError(`suite "${suite.name}": perturbations.${name}: ${problem} (${suite.dataset}); remove it from the suite`);
  }
  const config: RunConfig = {
    suite,
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    ...(o.shard ? { shard: o.shard } : {}),
    data: { fingerprint: data.fingerprint, shape: [...data.shape], numClasses: data.numClasses, ...(data.classes ? { classes: [...data.classes] } : {}) },
    keepWeights: o.keepWeights !== false,
    ...(o.modules ? { modules: o.modules } : {}),
  };
  return { config, data };
}

/** How many cells each phase of a run can have at once: more workers than that would only start idle processes. */
export function usefulWorkers(config: Pick<RunConfig, 'suite' | 'shard'>, wanted: number): number {
  const { suite, shard } = config;
  const grid = Math.ceil((suiteArms(suite).length * suite.seeds.length) / (shard?.count ?? 1));
  return Math.min(wanted, Math.max(1, grid, ...(suite.tune ? [tuneCells(suite).length] : [])));
}

export interface RunSuiteOptions extends Omit<RunConfigOptions, 'onDecode'> {
  /** The run folder: new or empty. */
  readonly out: string;
  /** Worker processes (default 1; at most the cells a phase has). */
  readonly workers?: number;
  /** onnxruntime threads per worker (default 1). */
  readonly threads?: number;
  /** Aborting stops the run (no new cells; stored ones stay stored): runSuite rejects with Interrupted. */
  readonly signal?: AbortSignal;
  readonly progress?: Progress;
  /** Seconds between a training cell's checkpoints (default 60; 0: none); a stopped run's cells checkpoint as they stop. */
  readonly checkpointEvery?: number;
}

export interface RunResult {
  readonly dir: string;
  /** Everything the report shows: arms, series, summary rows (RunView). */
  readonly view: RunView;
  readonly records: readonly CellRecord[];
  /** Cells that failed (their errors are in cells.jsonl); 0 for a complete run. */
  readonly failures: number;
  readonly wallSeconds: number;
  /** The files the run wrote, by what they are. */
  readonly files: {
    readonly report: string;
    readonly results: string;
    readonly summary: string;
    /** Absent when the suite trains nothing (0 epochs). */
    readonly steps?: string;
    readonly manifest: string;
  };
}

/**
 * Refuses, before anything is written, a run folder that already holds a run (`resume` says how
 * to finish it) or anything else; `flag` names where the path came from.
 */
export function checkRunFolder(dir: string, flag: string, resume?: string): void {
  if (existsSync(join(dir, 'run.json'))) throw new UsageError(`${flag} ${dir}: already holds a run; ${resume ? `${resume}, ` : ''}or choose another folder`);
  // Nothing is written into a folder that holds anything else (a foreign store, another tool's files).
  checkOwnFolder(dir, flag, [], 'a run needs a new or empty folder');
}

/** Runs every cell of `suite` into `o.out` and returns what the report shows. */
export async function runSuite(suite: Suite, o: RunSuiteOptions): Promise<RunResult> {
  const { config } = await runConfig(suite, o);
  checkRunFolder(o.out, 'out');
  const workers = usefulWorkers(config, o.workers ?? 1);
  const outcome = await runGrid({
    dir: o.out,
    config,
    workers,
    threads: o.threads ?? 1,
    progress: o.progress ?? SILENT,
    signal: o.signal,
    ...(o.checkpointEvery !== undefined ? { checkpointEvery: o.checkpointEvery } : {}),
  });
  const file = (name: string) => join(o.out, name);
  return {
    dir: o.out,
    view: runView(suite, outcome.records),
    records: outcome.records,
    failures: outcome.failures,
    wallSeconds: outcome.wallSeconds,
    files: {
      report: file('report.html'),
      results: file('results.csv'),
      summary: file('summary.csv'),
      ...(suite.epochs > 0 ? { steps: file('steps.csv') } : {}),
      manifest: file('run.json'),
    },
  };
}
