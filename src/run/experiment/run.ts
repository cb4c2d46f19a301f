// The phase order, and the loop that runs a suite's phases through an executor. Each
// phase plans its cells from the records so far; the cells without a result run; each
// finished cell is appended to the store (durably) before it is reported. The executor is
// the harness's worker pool, or `inProcess` (tests, library users) running cells here.
import type { Suite } from './suite.ts';
import type { CellKey, Shard } from './grid.ts';
import { cellLabel } from './grid.ts';
import { keyOf, recordId, type CellRecord, type RunStore } from './store.ts';
import { writeWeights } from './weights.ts';
import type { CellContext } from './phase.ts';
import { cellCheckpoints, removeCheckpoint, type CellCheckpoints, type CheckpointSettings } from './checkpoints.ts';
import { PerturbedCache } from '../../measure/metrics/perturbed-cache.ts';
import { PHASES, phaseNamed, type AnyPhase, GRID } from './phases/index.ts';

/** One cell to run: its phase, key and the phase's input for it (JSON-serialisable). */
export interface Task {
  readonly phase: string;
  readonly key: CellKey;
  readonly input: unknown;
}

export type Outcome =
  | {
      readonly result: unknown;
      readonly seconds: number;
      /** Seconds per stage of the cell, where its phase marks them (CellContext.lap). */
      readonly stages?: Readonly<Record<string, number>>;
      /** The training step the cell continued from (its checkpoint's). */
      readonly resumedFrom?: number;
      readonly error?: undefined /** The trained model's final weights, when the run keeps them. */;
      readonly weights?: Float32Array[];
    }
  | { readonly error: string; readonly seconds: number; readonly result?: undefined; readonly weights?: undefined };

/**
 * Runs tasks, calling `done` as each finishes; `done` throws to stop the run (a failed
 * write): the executor then starts nothing more and rejects with that error.
 */
export type Executor = (tasks: readonly Task[], done: (task: Task, outcome: Outcome) => void) => Promise<void>;

export interface RunHooks {
  phaseStart?(phase: string, cells: number): void;
  phaseEnd?(phase: string, seconds: number): void;
  /** A cell finished and is stored. */
  cellDone?(task: Task, outcome: Outcome, record: CellRecord): void;
}

/** How messages name a task: the phase (unless main), the cell, the phase's own key field. */
export function taskLabel(suite: Suite, t: Pick<Task, 'phase' | 'key'>): string {
  const extra = phaseNamed(t.phase).extra(t.key);
  return `${t.phase === GRID.name ? '' : `${t.phase} `}${cellLabel(suite, t.key)}${extra ? ` ${extra}` : ''}`;
}

/** A phase's cells without a result, or undefined when it does not apply or cannot be planned yet. */
function phaseTodo(phase: AnyPhase, suite: Suite, shard: Shard | undefined, records: readonly CellRecord[]): Task[] | undefined {
  if (shard && phase.sharding === 'none') return undefined;
  const tasks = phase.plan({ suite, shard, records });
  if (!tasks) return undefined;
  const done = new Set(records.filter((r) => r.kind === 'result').map(recordId));
  return tasks.filter((t) => !done.has(keyOf(phase.name, t.key))).map((t) => ({ phase: phase.name, key: t.key, input: t.input }));
}

/**
 * The cells a run still lacks a result for (failed ones included), in phase order. Later
 * phases that cannot be planned until these finish are not listed.
 */
export function missingTasks(suite: Suite, records: readonly CellRecord[], shard?: Shard): Task[] {
  return PHASES.flatMap((p) => phaseTodo(p, suite, shard, records) ?? []);
}

export interface RunPhasesOptions {
  readonly suite: Suite;
  readonly shard?: Shard;
  readonly store: RunStore;
  readonly execute: Executor;
  readonly hooks?: RunHooks;
  /** Store each trained cell's final weights beside the records (weights.ts). */
  readonly keepWeights?: boolean;
  /** Run the phases up to and including this one only (a look of --seeds auto runs through the grid). */
  readonly through?: string;
}

/** Runs every phase's missing cells in order; returns how many cells ran. */
export async function runPhases(o: RunPhasesOptions): Promise<number> {
  let ran = 0;
  const last = o.through === undefined ? PHASES.length - 1 : PHASES.findIndex((p) => p.name === o.through);
  for (const phase of PHASES.slice(0, last + 1)) {
    const todo = phaseTodo(phase, o.suite, o.shard, o.store.records());
    if (!todo?.length) continue;
    const start = performance.now();
    o.hooks?.phaseStart?.(phase.name, todo.length);
    try {
      await o.execute(todo, (task, outcome) => {
        // The weights are durable before the record that names them.
        const weights = outcome.weights && o.keepWeights ? writeWeights(o.store.dir, keyOf(task.phase, task.key), outcome.weights) : undefined;
        const record: CellRecord =
          outcome.error === undefined
            ? {
                kind: 'result',
                phase: task.phase,
                key: task.key,
                result: outcome.result,
                seconds: outcome.seconds,
                ...(outcome.stages ? { stages: outcome.stages } : {}),
                ...(outcome.resumedFrom !== undefined ? { resumedFrom: outcome.resumedFrom } : {}),
                ...(weights ? { weights } : {}),
              }
            : { kind: 'failure', phase: task.phase, key: task.key, error: outcome.error, seconds: outcome.seconds };
        o.store.append(record);
        // Stored: its checkpoint has served (a failed cell keeps it, for the retry).
        if (record.kind === 'result') removeCheckpoint(o.store.dir, keyOf(task.phase, task.key));
        ran++;
        o.hooks?.cellDone?.(task, outcome, record);
      });
    } finally {
      o.hooks?.phaseEnd?.(phase.name, (performance.now() - start) / 1000);
    }
  }
  return ran;
}

/** A cell's checkpoints, and who wants to know which cell is running (a worker's stop handler). */
export interface TaskCheckpoints extends CheckpointSettings {
  readonly track?: (cell: (CellCheckpoints & { flush(): void }) | undefined) => void;
}

/**
 * Runs one task in this process (the worker pool runs the same); `keepWeights` collects a
 * trained model's final weights; with `checkpoints` the cell continues from its checkpoint
 * and leaves new ones.
 */
export async function runTask(ctx: CellContext, task: Task, keepWeights = false, checkpoints?: TaskCheckpoints): Promise<Outcome> {
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  let weights: Float32Array[] | undefined;
  const stages: Record<string, number> = {};
  let last = start;
  const lap = (stage: string) => {
    const now = performance.now();
    stages[stage] = Math.round(now - last) / 1000;
    last = now;
  };
  const cell = checkpoints ? cellCheckpoints(checkpoints, keyOf(task.phase, task.key)) : undefined;
  checkpoints?.track?.(cell);
  const context: CellContext = {
    ...ctx,
    lap,
    ...(cell ? { checkpoints: cell } : {}),
    ...(keepWeights ? { keepWeights: (w: readonly Float32Array[]) => (weights = w.map((t) => Float32Array.from(t))) } : {}),
  };
  try {
    const result = await phaseNamed(task.phase).run(context, task.key, task.input);
    return {
      result,
      seconds: seconds(),
      ...(Object.keys(stages).length ? { stages } : {}),
      ...(cell?.resumedFrom !== undefined ? { resumedFrom: cell.resumedFrom } : {}),
      ...(weights ? { weights } : {}),
    };
  } catch (e) {
    return { error: e instanceof Error ? (e.stack ?? e.message) : String(e), seconds: seconds() };
  } finally {
    checkpoints?.track?.(undefined);
  }
}

/** An executor that runs cells one after another in this process. */
export function inProcess(ctx: CellContext, keepWeights = false): Executor {
  const context: CellContext = { perturbed: new PerturbedCache(), ...ctx };
  return async (tasks, done) => {
    for (const t of tasks) done(t, await runTask(context, t, keepWeights));
  };
}
