// The pool's worker processes, apart from the run loop so that a command can start them
// before it loads the library: this module imports tinypool and nothing of optrobust's, and
// `prestart` (called by bin/optrobust.js the moment it knows the command is `run`) leaves a
// pool for `adoptPrestarted` to take. A worker then starts (a Node process, the library,
// onnxruntime) while the command loads, reads its suite and checks its data.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import type { RunConfig } from '../run/experiment/manifest.ts';
import type { WarmTask } from './worker.ts';

/** The pool's worker processes, started ahead of the run. */
export interface WorkerPool {
  readonly workers: number;
  /** Has every worker load the suite's data (and its modules) now, in parallel with the caller. */
  warm(suite: Pick<RunConfig['suite'], 'dataset' | 'data'>, dataDir: string | undefined, modules?: RunConfig['modules']): void;
  destroy(): Promise<void>;
  /** Sends a signal to every worker process (the run's stop: SIGTERM, on which a cell checkpoints and its worker exits). */
  signal(signal: NodeJS.Signals): void;
  /** @internal */
  readonly tinypool: Tinypool;
}

const tsxLoader = () => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Starts `workers` worker processes running `workerFile` (default: ./worker.ts or ./worker.js beside this module). */
export function startPool(workers: number, workerFile?: URL): WorkerPool {
  const file = workerFile ?? new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
  const tinypool = new Tinypool({
    filename: file.href,
    minThreads: workers,
    maxThreads: workers,
    // Child processes rather than threads: each gets its own onnxruntime (and, running from
    // the TypeScript sources, tsx's loader through --import; compiled JavaScript needs none).
    runtime: 'child_process',
    execArgv: file.pathname.endsWith('.ts') ? ['--import', tsxLoader()] : [],
    // Structured clone, not JSON, across the process boundary: NaN, ±Infinity and -0 arrive as themselves.
    serialization: 'advanced',
  });
  // A worker that exits with no task in flight is an 'error' on the pool, which would end this
  // process unheard: it is replaced, and a worker that dies in a cell fails that cell's task,
  // which the run records or, when the run is stopping, ignores.
  tinypool.on('error', () => undefined);
  let warming: Promise<unknown>[] = [];
  return {
    workers,
    tinypool,
    warm(suite, dataDir, modules) {
      // One task per worker: each is idle, so each takes one.
      const task: WarmTask = { warm: { suite: { dataset: suite.dataset, ...(suite.data ? { data: suite.data } : {}) }, dataDir, modules } };
      warming = Array.from({ length: workers }, () => tinypool.run(task).catch(() => undefined));
    },
    async destroy() {
      await Promise.all(warming);
      await tinypool.destroy();
    },
    signal(signal) {
      // A child-process worker's threadId is its process id.
      for (const w of tinypool.threads)
        try {
          process.kill(w.threadId, signal);
        } catch {
          // It has exited already.
        }
    },
  };
}

const SLOT = Symbol.for('optrobust.prestartedPool');
type Slot = { [SLOT]?: WorkerPool };

/** Starts a pool for a command about to run (bin/optrobust.js); `adoptPrestarted` hands it over. */
export function prestart(workers: number): void {
  (globalThis as Slot)[SLOT] ??= startPool(workers);
}

/** Takes the prestarted pool, if any (it is nobody else's from then on). */
function take(): WorkerPool | undefined {
  const pool = (globalThis as Slot)[SLOT];
  (globalThis as Slot)[SLOT] = undefined;
  return pool;
}

/** The prestarted pool when it has exactly `workers` workers (one of another size is stopped); undefined otherwise. */
export async function adoptPrestarted(workers: number): Promise<WorkerPool | undefined> {
  const pool = take();
  if (pool?.workers === workers) return pool;
  await pool?.destroy();
  return undefined;
}

/** Stops a prestarted pool nobody adopted (the command failed before its run began), so the process can exit. */
export async function releasePrestarted(): Promise<void> {
  await take()?.destroy();
}
