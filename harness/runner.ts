// Runs a grid: the cells not yet in the store go through a worker pool; each finished
// cell is appended to the store before it is reported; result files are regenerated
// from the store at the end, so resumed, sharded-and-merged and uninterrupted runs
// produce the same bytes.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { gridCells, shardCells } from '../src/experiment/grid.ts';
import { keyOf, recordKey, RunStore, type AnyCellKey, type CellRecord } from '../src/experiment/store.ts';
import { acquireLock } from '../src/experiment/lock.ts';
import { matchPlan, tuneCells, tunedChoices } from '../src/experiment/protocol.ts';
import type { TuneChoice } from '../src/tune/choose.ts';
import { formatNumber } from '../src/report/format.ts';
import { environment, MANIFEST_FORMAT, runIdentity, writeManifest, type RunConfig, type RunManifest } from '../src/experiment/manifest.ts';
import { cellId } from '../src/experiment/cell.ts';
import { writeRunOutputs } from '../src/report/write.ts';
import type { CellOutcome, CellTask } from './worker.ts';
import type { Progress } from './progress.ts';

export interface RunOptions {
  readonly dir: string;
  readonly config: RunConfig;
  readonly workers: number;
  readonly threads: number;
  readonly progress: Progress;
  /** Timings of an earlier, interrupted attempt (resume). */
  readonly previous?: RunManifest;
  /** The pool's worker module (default ./worker.ts); tests substitute one that fails on cue. */
  readonly workerFile?: URL;
  /** Aborting stops the run: no new cells start, running ones are dropped, nothing more is stored. */
  readonly signal?: AbortSignal;
}

/** The run was stopped through RunOptions.signal; the store holds every cell reported done. */
export class Interrupted extends Error {
  constructor(readonly dir: string, readonly stored: number) {
    super(`interrupted; ${stored} finished cell(s) are stored in ${dir}`);
    this.name = 'Interrupted';
  }
}

export interface RunOutcome {
  readonly records: CellRecord[];
  readonly ran: number;
  readonly failures: number;
  readonly wallSeconds: number;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** A worker's rejection: an Error in-thread, a plain object when it crossed a process boundary. */
function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { stack?: string; message: unknown }).stack ?? (e as { message: unknown }).message);
  return JSON.stringify(e);
}

function describeOutcome({ result, tune, matched, error }: CellOutcome): string {
  if (tune) return tune.diverged ? 'diverged' : `validation accuracy ${(100 * tune.valAccuracy).toFixed(1)}%`;
  if (matched) return `validation ${(100 * matched.valAccuracy).toFixed(1)}% (target ${(100 * matched.target).toFixed(1)}%)`;
  if (!result) return `FAILED: ${error?.split('\n')[0]}`;
  if (result.diverged) return `diverged at step ${result.diverged.step}`;
  const clean = result.eval?.find((p) => p.perturbation === 'clean');
  return `clean accuracy ${(100 * clean!.accuracy).toFixed(1)}%`;
}

function taskKey(t: CellTask): AnyCellKey {
  return { ...t.key, phase: t.phase };
}

function taskLabel(t: CellTask): string {
  if (t.phase === 'tune') return `tune ${t.key.optimizer} lr ${formatNumber(t.key.lr)}/seed ${t.key.seed}`;
  if (t.phase === 'matched') return `matched ${t.key.optimizer}/seed ${t.key.seed} epoch ${t.key.epoch}`;
  return cellId(t.key);
}

function recordOf(t: CellTask, outcome: CellOutcome): CellRecord {
  const seconds = outcome.seconds;
  if (outcome.result) return { kind: 'result', result: outcome.result, seconds };
  if (outcome.tune) return { kind: 'tune', tune: outcome.tune, seconds };
  if (outcome.matched) return { kind: 'matched', matched: outcome.matched, seconds };
  return { kind: 'failure', failure: { ...taskKey(t), error: outcome.error ?? 'unknown error' }, seconds };
}

export async function runGrid(o: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  mkdirSync(o.dir, { recursive: true });
  const release = acquireLock(o.dir);
  try {
    return await runLocked(o, started);
  } finally {
    release();
  }
}

async function runLocked(o: RunOptions, started: number): Promise<RunOutcome> {
  const identity = runIdentity(o.config);
  const store = new RunStore(o.dir, identity);
  store.repair();
  const { suite } = o.config;
  const cellSeconds: Record<string, number> = { ...(o.previous?.timings.cellSeconds ?? {}) };
  const phaseSeconds: Record<string, number> = {};
  const env = await environment();
  const manifest = (finishedAt?: string, wallSeconds?: number): RunManifest => ({
    format: MANIFEST_FORMAT,
    identity,
    config: o.config,
    environment: env,
    timings: { startedAt: o.previous?.timings.startedAt ?? new Date().toISOString(), finishedAt, wallSeconds, workers: o.workers, threadsPerWorker: o.threads, cellSeconds, phaseSeconds },
  });
  writeManifest(o.dir, manifest());

  let pool: Tinypool | undefined;
  let ran = 0;
  /** The first thing that must stop the run: a failed write, or the abort signal. */
  let fatal: unknown;
  const stop = (why: unknown) => {
    fatal ??= why;
    void pool?.destroy();
  };
  const onAbort = () => stop(new Interrupted(o.dir, store.records().length));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  /** Runs the tasks whose records are not yet in the store, appending each as it finishes. */
  const runPhase = async (tasks: readonly CellTask[]): Promise<void> => {
    const done = new Set(store.records().filter((r) => r.kind !== 'failure').map((r) => keyOf(recordKey(r))));
    const todo = tasks.filter((t) => !done.has(keyOf(taskKey(t))));
    if (todo.length === 0 || fatal) return;
    const phaseStart = performance.now();
    pool ??= new Tinypool({
      filename: (o.workerFile ?? new URL('./worker.ts', import.meta.url)).href,
      minThreads: o.workers,
      maxThreads: o.workers,
      // Child processes rather than threads: each gets tsx's loader through --import and its own onnxruntime.
      runtime: 'child_process',
      execArgv: ['--import', tsxLoader],
      // Structured clone, not JSON, across the process boundary: NaN, ±Infinity and -0 arrive as themselves.
      serialization: 'advanced',
    });
    o.progress.start(todo.length);
    const queue = [...todo];
    // One lane per worker, so "in flight" is known exactly.
    const lane = async () => {
      for (let t = queue.shift(); t && !fatal; t = queue.shift()) {
        const label = taskLabel(t);
        o.progress.begin(label);
        const outcome: CellOutcome = await pool!.run(t).catch((e: unknown) => ({ error: errorText(e), seconds: 0 }));
        if (fatal) return; // the pool was torn down under this cell: it did not fail, it was stopped
        try {
          store.append(recordOf(t, outcome));
        } catch (e) {
          stop(e);
          return;
        }
        if (t.phase === 'main') cellSeconds[`${t.key.optimizer}/${t.key.seed}`] = Math.round(outcome.seconds * 1000) / 1000;
        ran++;
        o.progress.done(label, outcome.seconds, describeOutcome(outcome));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(o.workers, todo.length) }, lane));
    } finally {
      o.progress.stop();
      phaseSeconds[todo[0]!.phase] = Math.round(performance.now() - phaseStart) / 1000;
    }
  };

  try {
    let choices: Map<string, TuneChoice> | undefined;
    if (suite.tune) {
      await runPhase(tuneCells(suite).map((key) => ({ phase: 'tune', config: o.config, key, threads: o.threads })));
      const trials = store.records().flatMap((r) => (r.kind === 'tune' ? [r.tune] : []));
      if (!fatal) choices = tunedChoices(suite, trials);
    }
    const main = shardCells(gridCells(suite), o.config.shard);
    if (!fatal) await runPhase(main.map((key) => ({ phase: 'main', config: o.config, key, threads: o.threads, lr: choices?.get(key.optimizer)?.lr })));
    // The matched view compares across all optimizers, so a shard leaves it to the merged run.
    if (suite.tune && choices && !o.config.shard && !fatal) {
      const results = store.records().flatMap((r) => (r.kind === 'result' ? [r.result] : []));
      const plan = matchPlan(suite, results);
      await runPhase(plan.cells.map((key) => ({ phase: 'matched', config: o.config, key, threads: o.threads, lr: choices!.get(key.optimizer)!.lr, target: plan.target })));
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await pool?.destroy();
  }
  if (fatal) throw fatal;
  const wallSeconds = (performance.now() - started) / 1000;
  const records = store.records();
  const final = manifest(new Date().toISOString(), Math.round(wallSeconds * 1000) / 1000);
  writeManifest(o.dir, final);
  await writeRunOutputs(o.dir, suite, records, final);
  return { records, ran, failures: records.filter((r) => r.kind === 'failure').length, wallSeconds };
}
