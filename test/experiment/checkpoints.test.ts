// Cells that stop part-way and continue from their checkpoints: a tuned suite (tuning trials,
// main cells with their validation checkpoints, matched re-training) run with every cell
// stopped once at a step drawn per cell and resumed stores exactly the records of the run that
// never stopped, and leaves no checkpoint behind. A cell stopped while it evaluates keeps
// its finished training, and continues without training again.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { RunStore, type CellRecord } from '../../src/run/experiment/store.ts';
import { inProcess, runPhases, runTask, type Executor } from '../../src/run/experiment/run.ts';
import { runIdentity } from '../../src/run/experiment/manifest.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { PerturbedCache } from '../../src/measure/metrics/perturbed-cache.ts';
import { CHECKPOINTS_DIR, cellCheckpoints, listCheckpoints } from '../../src/run/experiment/checkpoints.ts';
import { trainCell, armSetup } from '../../src/run/experiment/phases/shared.ts';
import { gridCells } from '../../src/run/experiment/grid.ts';
import { createRng } from '../../src/core/util/rng.ts';

const suite = defineSuite({
  name: 'checkpointed',
  description: 'a tuned run whose every cell stops once',
  dataset: 'fashion-mnist-subset',
  trainLimit: 320,
  testLimit: 100,
  model: { kind: 'mlp', hidden: [12], dropout: 0.2 },
  batchSize: 32,
  epochs: 2,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1, momentum: 0.9 } },
    { name: 'adam', options: { lr: 3e-3 } },
  ],
  seeds: [0],
  perturbations: { gaussian_noise: [0.2], fgsm: [0.05] },
  tune: { method: 'grid', points: 2, checkpoints: 3 },
});
const dataset = loadDataset(suite.dataset);
const identity = runIdentity({ suite, data: { fingerprint: dataset.fingerprint } });
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'optrobust-ckpt-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** What a record says, without the timings (which no two runs share) and where the cell continued from. */
const content = (records: readonly CellRecord[]) =>
  records.map((r) => {
    const { seconds: _s, stages: _t, resumedFrom: _r, ...rest } = r as CellRecord & { seconds?: number; stages?: unknown; resumedFrom?: number };
    return rest;
  });

describe('cells stopped part-way and resumed from their checkpoints', () => {
  it('store the same records as the run that never stopped, and leave no checkpoint behind', async () => {
    const whole = new RunStore(tempDir(), identity);
    await runPhases({ suite, store: whole, execute: inProcess({ suite, dataset }) });

    const dir = tempDir();
    const store = new RunStore(dir, identity);
    const ctx = { suite, dataset, perturbed: new PerturbedCache() };
    const rng = createRng(7, 'checkpoint-test');
    const stops: number[] = [];
    const interrupting: Executor = async (tasks, done) => {
      for (const t of tasks) {
        // Stop after a step drawn per cell (1 to 12 of its 20): mid-epoch or at an epoch's end.
        const at = 1 + Math.floor(rng() * 12);
        let steps = 0;
        const first = await runTask(ctx, t, false, { dir, identity, every: 0, stopping: () => ++steps === at });
        // A tuning trial at a learning rate that diverges ends before it is asked to stop.
        if (first.error === undefined) {
          done(t, first);
          continue;
        }
        expect(first.error).toMatch(/training stopped at step/);
        expect(listCheckpoints(dir).map((c) => c.step)).toEqual([at]);
        stops.push(at);
        done(t, await runTask(ctx, t, false, { dir, identity, every: 3600, stopping: () => false }));
      }
    };
    await runPhases({ suite, store, execute: interrupting });
    expect(new Set(store.records().map((r) => r.phase))).toEqual(new Set(['tune', 'main', 'matched']));
    // Every main and matched cell stopped, and most tuning trials.
    expect(stops.length).toBeGreaterThanOrEqual(store.records().filter((r) => r.phase !== 'tune').length + 2);
    expect(content(store.records())).toEqual(content(whole.records()));
    // Each stopped cell says the step it continued from.
    expect(store.records().flatMap((r) => (r.kind === 'result' && r.resumedFrom !== undefined ? [r.resumedFrom] : []))).toEqual(stops);
    expect(readdirSync(join(dir, CHECKPOINTS_DIR))).toEqual([]);
  });

  it('a cell stopped while it evaluates keeps its training, and continues from it without training again', async () => {
    const dir = tempDir();
    const key = gridCells(suite)[1]!;
    const ctx = { suite, dataset };
    const setup = armSetup(ctx, key);
    const split = dataset.train;
    const options = { ...setup.training(key.seed), epochs: 1 };
    const cell = cellCheckpoints({ dir, identity, every: 3600, stopping: () => false }, 'a cell');
    const first = await trainCell({ ...ctx, checkpoints: cell }, setup.net, split, options);
    // Nothing was due: the finished training is held, not written, until the run stops.
    expect(listCheckpoints(dir)).toEqual([]);
    cell.flush();
    expect(listCheckpoints(dir).map((c) => [c.step, c.trained])).toEqual([[first.steps.length, true]]);
    let asked = 0;
    const again = cellCheckpoints({ dir, identity, every: 0, stopping: () => (asked++, false) }, 'a cell');
    const second = await trainCell({ ...ctx, checkpoints: again }, setup.net, split, options);
    expect(asked).toBe(0);
    expect(second.steps).toEqual(first.steps);
    expect(second.weights).toEqual(first.weights);
  });
});
