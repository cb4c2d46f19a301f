// `runStatus` on a run folder built by hand: the cells stored, the one with a checkpoint and
// its step, and the time left worked out from the stored cells' own durations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { gridCells } from '../../src/run/experiment/grid.ts';
import { RunStore, keyOf } from '../../src/run/experiment/store.ts';
import { MANIFEST_FORMAT, runIdentity, writeManifest } from '../../src/run/experiment/manifest.ts';
import { writeCheckpoint } from '../../src/run/experiment/checkpoints.ts';
import { runStatus } from '../../src/run/experiment/status.ts';

const dir = mkdtempSync(join(tmpdir(), 'optrobust-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const suite = defineSuite({
  name: 'status',
  description: 'five cells',
  dataset: 'fashion-mnist-subset',
  model: { kind: 'mlp', hidden: [8] },
  batchSize: 64,
  epochs: 1,
  optimizers: [{ name: 'sgd' }],
  seeds: [0, 1, 2, 3, 4],
  perturbations: {},
});
const config = { suite, data: { fingerprint: 'f'.repeat(64), shape: [1, 28, 28] as [number, number, number], numClasses: 10 } };
const identity = runIdentity(config);

describe('runStatus', () => {
  it('lists the checkpointed cell with its step, and the time left from the stored cells', () => {
    writeManifest(dir, {
      format: MANIFEST_FORMAT,
      identity,
      config,
      environment: { node: '', platform: '', arch: '', cpus: 2, onnxruntime: '' } as never,
      timings: { startedAt: '2026-01-01T00:00:00Z', workers: 2, threadsPerWorker: 1, cellSeconds: {} },
    });
    const store = new RunStore(dir, identity);
    const [a, b, c] = gridCells(suite);
    // Two cells stored: 10 s and 20 s, of which training took 6 s and 12 s (60%).
    store.append({ kind: 'result', phase: 'main', key: a!, result: {}, seconds: 10, stages: { train: 6, evaluate: 4 } });
    store.append({ kind: 'result', phase: 'main', key: b!, result: {}, seconds: 20, stages: { train: 12, evaluate: 8 } });
    writeCheckpoint(dir, identity, keyOf('main', c!), { step: 40, total: 160, trained: false }, {});
    // Another run's checkpoint in the folder is not this run's.
    writeCheckpoint(dir, 'another run', keyOf('main', gridCells(suite)[3]!), { step: 1, trained: false }, {});
    const s = runStatus(dir);
    expect(s.phases).toEqual([{ name: 'main', stored: 2, failed: 0, todo: 3 }]);
    expect(s.checkpointed.map((x) => [x.cell, x.step, x.total, x.trained])).toEqual([['sgd/seed 2', 40, 160, false]]);
    // 3 cells to run at 15 s each, a quarter of the checkpointed one's training (60% of a cell) done,
    // on 2 workers: (3 - 0.6 · 0.25) · 15 / 2 = 21.375 s.
    expect(s.etaSeconds).toBe(21);
    expect(s.complete).toBe(false);
  });
});
