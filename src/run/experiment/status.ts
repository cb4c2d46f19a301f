// Where a run folder stands, for a person or a batch script deciding whether to resume it:
// the cells stored per phase, those still to run (later phases are planned only once the
// earlier ones finish), failures, attempts, and whether a writer holds it now.
import { readManifest, type RunManifest } from './manifest.ts';
import { recordId, RunStore } from './store.ts';
import { missingTasks } from './run.ts';
import { PHASES } from './phases/index.ts';
import { lockHolder, type Owner } from './lock.ts';

export interface RunStatus {
  readonly manifest: RunManifest;
  /** Per phase: results stored, failures stored (retried by --resume), cells still to run (as far as they can be planned). */
  readonly phases: readonly { readonly name: string; readonly stored: number; readonly failed: number; readonly todo: number }[];
  /** A live process writing the run now. */
  readonly writer?: Owner;
  /** Nothing left to run and no failure. */
  readonly complete: boolean;
}

export function runStatus(dir: string): RunStatus {
  const manifest = readManifest(dir);
  const records = new RunStore(dir, manifest.identity).records();
  const { suite, shard } = manifest.config;
  const todo = missingTasks(suite, records, shard);
  const phases = PHASES.map((p) => {
    const mine = records.filter((r) => r.phase === p.name);
    const ok = new Set(mine.filter((r) => r.kind === 'result').map(recordId));
    // A failure a later attempt made good is history, not a failure.
    const failed = mine.filter((r) => r.kind === 'failure' && !ok.has(recordId(r)));
    return { name: p.name, stored: mine.filter((r) => r.kind === 'result').length, failed: failed.length, todo: todo.filter((t) => t.phase === p.name).length };
  }).filter((p) => p.stored + p.failed + p.todo > 0);
  const writer = lockHolder(dir);
  return { manifest, phases, ...(writer ? { writer } : {}), complete: todo.length === 0 && phases.every((p) => p.failed === 0) };
}
