// Runs a grid: the cells not yet in the store go through a worker pool; each finished
// cell is appended to the store before it is reported; result files are regenerated
// from the store at the end, so resumed, sharded-and-merged and uninterrupted runs
// produce the same bytes.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { gridCells, shardCells } from '../src/experiment/grid.ts';
import { appendRecord, keyOf, readRecords, repairStore, type CellRecord } from '../src/experiment/store.ts';
import { environment, writeManifest, type RunConfig, type RunManifest } from '../src/experiment/manifest.ts';
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

function describeOutcome({ result, error }: CellOutcome): string {
  if (!result) return `FAILED: ${error?.split('\n')[0]}`;
  if (result.diverged) return `diverged at step ${result.diverged.step}`;
  const clean = result.eval?.find((p) => p.perturbation === 'clean');
  return `clean accuracy ${(100 * clean!.accuracy).toFixed(1)}%`;
}

export async function runGrid(o: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  mkdirSync(o.dir, { recursive: true });
  repairStore(o.dir);
  const cells = shardCells(gridCells(o.config.suite), o.config.shard);
  const finished = new Set(readRecords(o.dir).filter((r) => r.kind === 'result').map((r) => keyOf(r.result)));
  const todo = cells.filter((c) => !finished.has(keyOf(c)));
  const cellSeconds: Record<string, number> = { ...(o.previous?.timings.cellSeconds ?? {}) };
  const manifest = (finishedAt?: string, wallSeconds?: number): RunManifest => ({
    format: 1,
    config: o.config,
    environment: environment(),
    timings: { startedAt: o.previous?.timings.startedAt ?? new Date().toISOString(), finishedAt, wallSeconds, workers: o.workers, threadsPerWorker: o.threads, cellSeconds },
  });
  writeManifest(o.dir, manifest());

  if (todo.length > 0) {
    const lanes = Math.min(o.workers, todo.length);
    const pool = new Tinypool({
      filename: (o.workerFile ?? new URL('./worker.ts', import.meta.url)).href,
      minThreads: lanes,
      maxThreads: lanes,
      // Child processes rather than threads: each gets tsx's loader through --import and its own onnxruntime.
      runtime: 'child_process',
      execArgv: ['--import', tsxLoader],
    });
    o.progress.start(todo.length);
    const queue = [...todo];
    // One lane per worker, so "in flight" is known exactly and the order is deterministic.
    const lane = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        o.progress.begin(cellId(key));
        const task: CellTask = { config: o.config, key, threads: o.threads };
        const outcome: CellOutcome = await pool.run(task).catch((e: unknown) => ({ error: errorText(e), seconds: 0 }));
        const record: CellRecord = outcome.result
          ? { kind: 'result', result: outcome.result, seconds: outcome.seconds }
          : { kind: 'failure', failure: { ...key, error: outcome.error ?? 'unknown error' }, seconds: outcome.seconds };
        appendRecord(o.dir, record);
        cellSeconds[`${key.optimizer}/${key.seed}`] = Math.round(outcome.seconds * 1000) / 1000;
        o.progress.done(cellId(key), outcome.seconds, describeOutcome(outcome));
      }
    };
    try {
      await Promise.all(Array.from({ length: lanes }, lane));
    } finally {
      o.progress.stop();
      await pool.destroy();
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const records = readRecords(o.dir);
  const final = manifest(new Date().toISOString(), Math.round(wallSeconds * 1000) / 1000);
  writeManifest(o.dir, final);
  await writeRunOutputs(o.dir, o.config.suite, records, final);
  return { records, ran: todo.length, failures: records.filter((r) => r.kind === 'failure').length, wallSeconds };
}
