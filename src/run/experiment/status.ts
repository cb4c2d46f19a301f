// Where a run folder stands, for a person or a batch script deciding whether to resume it:
// the cells stored per phase, those still to run (later phases are planned only once the
// earlier ones finish), failures, attempts, and whether a writer holds it now.
import { readManifest, type RunManifest } from './manifest.ts';
import { keyOf, recordId, RunStore } from './store.ts';
import { missingTasks, taskLabel } from './run.ts';
import { listCheckpoints } from './checkpoints.ts';
import { PHASES } from './phases/index.ts';
import { lockHolder, type Owner } from './lock.ts';
import type { Suite } from './suite.ts';
import type { CellRecord } from './store.ts';

export interface RunStatus {
  readonly manifest: RunManifest;
  /** Per phase: results stored, failures stored (retried by --resume), cells still to run (as far as they can be planned). */
  readonly phases: readonly { readonly name: string; readonly stored: number; readonly failed: number; readonly todo: number }[];
  /** A live process writing the run now. */
  readonly writer?: Owner;
  /** Nothing left to run and no failure. */
  readonly complete: boolean;
  /** Cells not stored that have a checkpoint: where their training stands (running now, or stopped there). */
  readonly checkpointed: readonly {
    readonly phase: string;
    readonly cell: string;
    readonly step: number;
    readonly total?: number;
    /** Training had finished (the cell was evaluating). */
    readonly trained: boolean;
    readonly savedAt: string;
  }[];
  /**
   * Seconds the cells still to run would take (those planned so far: later phases are planned
   * when earlier ones finish) at the measured mean duration of each phase's stored cells, a
   * checkpointed cell's trained share counted done, spread over the last attempt's workers;
   * null while a phase with cells to run has none stored to measure.
   */
  readonly etaSeconds: number | null;
}

export function runStatus(dir: string, effective: (suite: Suite, records: readonly CellRecord[]) => Suite = (suite) => suite): RunStatus {
  const manifest = readManifest(dir);
  const records = new RunStore(dir, manifest.identity).records();
  const { shard } = manifest.config;
  // The suite as the run stands (--seeds auto: the seeds its procedure has reached; the caller knows how).
  const suite = effective(manifest.config.suite, records);
  const todo = missingTasks(suite, records, shard);
  const phases = PHASES.map((p) => {
    const mine = records.filter((r) => r.phase === p.name);
    const ok = new Set(mine.filter((r) => r.kind === 'result').map(recordId));
    // A failure a later attempt made good is history, not a failure.
    const failed = mine.filter((r) => r.kind === 'failure' && !ok.has(recordId(r)));
    return { name: p.name, stored: mine.filter((r) => r.kind === 'result').length, failed: failed.length, todo: todo.filter((t) => t.phase === p.name).length };
  }).filter((p) => p.stored + p.failed + p.todo > 0);
  const writer = lockHolder(dir);
  const headers = new Map(
    listCheckpoints(dir)
      .filter((c) => c.identity === manifest.identity)
      .map((c) => [c.cell, c]),
  );
  const checkpointed = todo.flatMap((t) => {
    const c = headers.get(keyOf(t.phase, t.key));
    return c
      ? [
          {
            phase: t.phase,
            cell: taskLabel(suite, t),
            step: c.step,
            ...(c.total !== undefined ? { total: c.total } : {}),
            trained: c.trained,
            savedAt: c.savedAt,
          },
        ]
      : [];
  });
  let eta: number | null = 0;
  for (const p of PHASES) {
    const left = todo.filter((t) => t.phase === p.name);
    if (!left.length) continue;
    const timed = records.filter((r) => r.kind === 'result' && r.phase === p.name && r.seconds !== undefined && r.resumedFrom === undefined);
    if (!timed.length) {
      eta = null;
      break;
    }
    const mean = timed.reduce((a, r) => a + r.seconds!, 0) / timed.length;
    // The share of a cell's time its training takes (the rest is evaluation), from the stages recorded.
    const staged = timed.filter((r) => r.kind === 'result' && r.stages?.train !== undefined);
    const trainShare = staged.length
      ? staged.reduce((a, r) => a + (r.kind === 'result' ? r.stages!.train! / Math.max(r.seconds!, 1e-9) : 0), 0) / staged.length
      : 1;
    const done = checkpointed
      .filter((c) => c.phase === p.name)
      .reduce((a, c) => a + trainShare * (c.trained ? 1 : c.total ? Math.min(1, c.step / c.total) : 0), 0);
    eta += ((left.length - done) * mean) / Math.max(1, Math.min(left.length, manifest.timings.workers));
  }
  return {
    manifest,
    phases,
    ...(writer ? { writer } : {}),
    complete: todo.length === 0 && phases.every((p) => p.failed === 0),
    checkpointed,
    etaSeconds: eta === null ? null : Math.round(eta),
  };
}
