// Runs a suite in a pool of worker processes: the library's phase loop (src/run/experiment/run.ts) with a worker pool as its
// executor, one lane per worker so the progress display knows what is in flight. Each
// finished cell is appended to the store before it is reported; result files are
// regenerated from the store at the end, so resumed, sharded-and-merged and uninterrupted
// runs produce the same bytes.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type Tinypool from 'tinypool';
import { RunStore, recordId, type CellRecord } from '../run/experiment/store.ts';
import { acquireLock } from '../run/experiment/lock.ts';
import type { Provenance } from '../run/experiment/provenance.ts';
import { removeStaleTemporaries } from '../core/util/atomic.ts';
import { WEIGHTS_DIR } from '../run/experiment/weights.ts';
import { CHECKPOINTS_DIR, listCheckpoints, removeCheckpoint } from '../run/experiment/checkpoints.ts';
import { environment, MANIFEST_FORMAT, runIdentity, writeManifest, type RunConfig, type RunManifest } from '../run/experiment/manifest.ts';
import { runPhases, taskLabel, type Executor, type Outcome, type RunHooks } from '../run/experiment/run.ts';
import { seedLook } from '../run/results/auto-seeds.ts';
import { GRID, phaseNamed } from '../run/experiment/phases/index.ts';
import { armId } from '../run/experiment/grid.ts';
import { writeRunOutputs } from '../present/report/write.ts';
import { CellRows } from '../present/report/steps-csv.ts';
import type { WorkerTask } from './worker.ts';
import { startPool, type WorkerPool } from './start-pool.ts';

export { startPool, type WorkerPool };

/** What a run reports as it goes (the command line draws a bar or plain lines; a library user may ignore it). */
export interface Progress {
  start(total: number): void;
  begin(cell: string): void;
  done(cell: string, seconds: number, note: string): void;
  stop(): void;
}

/** Reports nothing. */
export const SILENT: Progress = { start() {}, begin() {}, done() {}, stop() {} };

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
  /** Recorded in run.json (a resumed run keeps its first). */
  readonly provenance?: Provenance;
  /** Worker processes started earlier (startPool), so that they start while the caller loads the suite and data. */
  readonly pool?: WorkerPool;
  /**
   * Seconds between a training cell's checkpoints (default CHECKPOINT_EVERY; 0: none). A
   * stopped run's training cells also checkpoint as they stop; --resume continues them.
   */
  readonly checkpointEvery?: number;
}

/** The default seconds between a cell's checkpoints. */
export const CHECKPOINT_EVERY = 60;

/** How long a stopped run waits for its cells to checkpoint before it stops their workers (milliseconds). */
export const STOP_GRACE_MS = 20_000;

export interface RunOutcome {
  readonly records: CellRecord[];
  readonly ran: number;
  readonly failures: number;
  readonly wallSeconds: number;
}

/** How long a worker's death waits for the stop signal that may have caused it (milliseconds). */
const DEATH_GRACE_MS = 500;

/** The run was stopped through RunOptions.signal; the store holds every cell reported done. */
export class Interrupted extends Error {
  constructor(
    readonly dir: string,
    readonly stored: number,
    /** Cells with a checkpoint to continue from. */
    readonly checkpointed = 0,
  ) {
    super(`interrupted; ${stored} finished cell(s) are stored in ${dir}${checkpointed ? `, ${checkpointed} more checkpointed part-way` : ''}`);
    this.name = 'Interrupted';
  }
}

/** A worker's rejection: an Error in-thread, a plain object when it crossed a process boundary. */
function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { stack?: string; message: unknown }).stack ?? (e as { message: unknown }).message);
  return JSON.stringify(e);
}

function describeOutcome(phase: string, outcome: Outcome): string {
  if (outcome.error !== undefined) return `FAILED: ${outcome.error.split('\n')[0]}`;
  return phaseNamed(phase).outcome(outcome.result);
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
  // A killed writer's half-written files (we hold the lock, so they are nobody's now).
  for (const d of [o.dir, join(o.dir, WEIGHTS_DIR), join(o.dir, CHECKPOINTS_DIR)]) removeStaleTemporaries(d);
  const { suite } = o.config;
  // Timings accumulate over attempts: a resumed run's run.json covers the whole run, not its last part.
  const before = o.previous?.timings;
  // The store is the truth about what earlier attempts finished (run.json's timings are
  // written just after each record, so a kill can land between the two): cell times come from
  // the records, and the last earlier attempt is credited with the cells it stored.
  const stored = store.records();
  // A cell stored just before its checkpoint was removed (the run was killed between the two).
  for (const r of stored) if (r.kind === 'result') removeCheckpoint(o.dir, recordId(r));
  const cellSeconds: Record<string, number> = { ...(before?.cellSeconds ?? {}) };
  for (const r of stored)
    if (r.phase === GRID.name && r.seconds !== undefined) cellSeconds[`${armId(r.key)}/${r.key.seed}`] = Math.round(r.seconds * 1000) / 1000;
  const earlierPhases = before?.phaseSeconds ?? {};
  const phaseSeconds: Record<string, number> = {};
  const startedAt = new Date().toISOString();
  // An attempt recorded before attempts were: its wall time, as one attempt.
  const recorded = before
    ? (before.attempts ?? [
        {
          startedAt: before.startedAt,
          ...(before.finishedAt ? { finishedAt: before.finishedAt } : {}),
          wallSeconds: before.wallSeconds ?? 0,
          cells: Object.keys(before.cellSeconds).length,
          workers: before.workers,
        },
      ])
    : [];
  const unaccounted = stored.length - recorded.reduce((n, a) => n + a.cells, 0);
  const earlier =
    unaccounted > 0 && recorded.length ? [...recorded.slice(0, -1), { ...recorded.at(-1)!, cells: recorded.at(-1)!.cells + unaccounted }] : recorded;
  let cellsThisAttempt = 0;
  const env = await environment();
  // A resumed run keeps the provenance of its start.
  const provenance = o.previous ? o.previous.provenance : o.provenance;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const manifest = (finishedAt?: string): RunManifest => {
    const attempt = {
      startedAt,
      ...(finishedAt ? { finishedAt } : {}),
      wallSeconds: round((performance.now() - started) / 1000),
      cells: cellsThisAttempt,
      workers: o.workers,
    };
    const attempts = [...earlier, attempt];
    const phases = Object.fromEntries(
      [...new Set([...Object.keys(earlierPhases), ...Object.keys(phaseSeconds)])].map((k) => [k, round((earlierPhases[k] ?? 0) + (phaseSeconds[k] ?? 0))]),
    );
    return {
      format: MANIFEST_FORMAT,
      identity,
      config: o.config,
      environment: env,
      ...(provenance ? { provenance } : {}),
      timings: {
        startedAt: before?.startedAt ?? startedAt,
        ...(finishedAt ? { finishedAt } : {}),
        wallSeconds: round(attempts.reduce((t, a) => t + a.wallSeconds, 0)),
        attempts,
        workers: o.workers,
        threadsPerWorker: o.threads,
        cellSeconds,
        phaseSeconds: phases,
      },
    };
  };
  writeManifest(o.dir, manifest());

  let pool: Tinypool | undefined;
  let ownPool: WorkerPool | undefined;
  /** The first thing that must stop the run: a failed write, or the abort signal. */
  let fatal: unknown;
  const stop = (why: unknown) => {
    fatal ??= why;
    void (o.pool ?? ownPool)?.tinypool.destroy();
  };
  let grace: NodeJS.Timeout | undefined;
  const onAbort = () => {
    fatal ??= new Interrupted(o.dir, 0);
    // Each running cell checkpoints after its current step and its worker exits; what has not
    // within the grace period is stopped where it is (its last checkpoint stands).
    (o.pool ?? ownPool)?.signal('SIGTERM');
    grace = setTimeout(() => void (o.pool ?? ownPool)?.tinypool.destroy(), STOP_GRACE_MS);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const every = o.checkpointEvery ?? CHECKPOINT_EVERY;
  const checkpoints = every > 0 ? { dir: o.dir, every } : undefined;

  const execute: Executor = async (tasks, done) => {
    if (fatal) return;
    pool ??= o.pool?.tinypool ?? (ownPool = startPool(o.workers, o.workerFile)).tinypool;
    o.progress.start(tasks.length);
    const queue = [...tasks];
    const lane = async () => {
      for (let t = queue.shift(); t && !fatal; t = queue.shift()) {
        const label = taskLabel(suite, t);
        o.progress.begin(label);
        const task: WorkerTask = { ...t, config: o.config, threads: o.threads, ...(checkpoints ? { checkpoints } : {}) };
        // A cell's own error comes back as its outcome; a rejection is the worker process
        // failing (it died, or its pipe closed: EPIPE).
        let died = false;
        const outcome: Outcome = await pool!.run(task).catch((e: unknown) => {
          died = true;
          return { error: errorText(e), seconds: 0 };
        });
        // A batch engine's SIGTERM to every process can reach a worker before this process
        // (the order is the kernel's): a worker that failed is only a failed cell if no stop
        // follows within a moment.
        if (died && !fatal) await new Promise((r) => setTimeout(r, DEATH_GRACE_MS));
        if (fatal) return; // the pool was torn down under this cell: it did not fail, it was stopped
        try {
          done(t, outcome);
        } catch (e) {
          stop(e);
          return;
        }
        o.progress.done(label, outcome.seconds, describeOutcome(t.phase, outcome));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(o.workers, tasks.length) }, lane));
    } finally {
      o.progress.stop();
    }
  };

  const ahead = new CellRows();
  let ran = 0;
  const hooks: RunHooks = {
    phaseEnd: (phase, seconds) => (phaseSeconds[phase] = Math.round(seconds * 1000) / 1000),
    cellDone: (task, outcome) => {
      // Its rows of steps.csv and layers.csv are rendered now, once the next cell is on its way.
      if (outcome.error === undefined) setImmediate(() => ahead.add(suite, { kind: 'result', phase: task.phase, key: task.key, result: outcome.result }));
      if (task.phase === GRID.name) cellSeconds[`${armId(task.key)}/${task.key.seed}`] = round(outcome.seconds);
      cellsThisAttempt++;
      // The timings so far are durable with the cells: an attempt that is killed keeps them.
      writeManifest(o.dir, manifest());
    },
  };
  try {
    // --seeds auto: look by look, the grid at the look's seeds, until the procedure stops; then every phase at its seeds.
    // A shard sees only its own cells, so it runs the first look; the merged run, resumed, goes on.
    for (;;) {
      const look = seedLook(suite, store.records());
      const final = !look || look.stoppedAt !== undefined;
      ran += await runPhases({
        suite: look ? { ...suite, seeds: look.seedList } : suite,
        shard: o.config.shard,
        store,
        execute,
        keepWeights: o.config.keepWeights,
        ...(final ? {} : { through: GRID.name }),
        hooks,
      });
      if (final || fatal) break;
      const next = seedLook(suite, store.records())!;
      if (next.stoppedAt === undefined && next.seeds === look.seeds) break; // this look's cells failed or belong to other shards
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    clearTimeout(grace);
    await (o.pool ?? ownPool)?.destroy();
  }
  if (fatal instanceof Interrupted) throw new Interrupted(o.dir, store.records().length, listCheckpoints(o.dir).length);
  if (fatal) throw fatal;
  const wallSeconds = (performance.now() - started) / 1000;
  const records = store.records();
  const final = manifest(new Date().toISOString());
  writeManifest(o.dir, final);
  await writeRunOutputs(o.dir, suite, records, final, ahead);
  return { records, ran, failures: records.filter((r) => r.kind === 'failure').length, wallSeconds };
}
