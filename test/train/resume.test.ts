// Mid-cell checkpoints: training stopped at a step, its state written to disk and read back,
// and continued in a fresh `train` call ends byte-identical to the run that never stopped,
// for every optimizer in the registry, across an epoch boundary and in the middle of one,
// with dropout masks, batch-norm statistics, a schedule, SAM, the noise and adversarial
// regimes, a run that stops at a step (the matched phase's), and every trained model family.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import type { ModelSpec } from '../../src/core/model/families/registry.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { limitSplit } from '../../src/run/experiment/phases/shared.ts';
import { train, TrainingStopped, type TrainOptions, type TrainResult, type TrainState } from '../../src/run/train/train.ts';
import { listOptimizers } from '../../src/core/optim/registry.ts';
import { batchTransform } from '../../src/run/train/regimes.ts';
import { checkpointFile, readCheckpoint, writeCheckpoint } from '../../src/run/experiment/checkpoints.ts';
import { createOptimizer } from '../../src/core/optim/registry.ts';
import { StateNotCapturable } from '../../src/core/optim/state.ts';
import { defineOptimizer } from '../../src/core/optim/define.ts';

const ds = loadDataset('fashion-mnist-subset');
const split = limitSplit(ds.train, 300); // 5 batches of 64 per epoch
const net = new Network({ kind: 'mlp', hidden: [16, 12], batchNorm: true, dropout: 0.25 }, ds.shape, 10);
const dir = mkdtempSync(join(tmpdir(), 'optrobust-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (ws: readonly Float32Array[]) => Buffer.concat(ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength))).toString('hex');

/** Trains to `at` steps, checkpoints to disk and stops; then continues from the file read back. */
async function stopAndResume(o: TrainOptions, at: number, model = net, data = split): Promise<TrainResult> {
  let saved = false;
  let steps = 0;
  const stop = await train(model, data, {
    ...o,
    snapshots: {
      due: () => false,
      // Asked once after every step but the last.
      stopping: () => ++steps === at,
      save: (s) => {
        writeCheckpoint(dir, 'run', 'cell', { step: s.step, trained: false }, s);
        saved = true;
      },
    },
  }).catch((e: unknown) => e);
  expect(stop).toBeInstanceOf(TrainingStopped);
  expect(saved).toBe(true);
  const from = readCheckpoint(dir, 'run', 'cell')!.state as TrainState;
  expect(from.step).toBe(at);
  return train(model, data, { ...o, snapshots: { from, due: () => false, stopping: () => false, save: () => undefined } });
}

function expectSame(a: TrainResult, b: TrainResult): void {
  expect(bytes(b.weights)).toBe(bytes(a.weights));
  expect(b.steps).toEqual(a.steps);
  expect(Object.is(b.finalTrainLoss, a.finalTrainLoss)).toBe(true);
  expect(b.gradientEvaluations).toBe(a.gradientEvaluations);
  expect(b.diverged).toEqual(a.diverged);
}

const base = { seed: 3, epochs: 2, batchSize: 64 } as const;
const optionsFor: Record<string, Record<string, unknown>> = { sophia: { lr: 1e-3, hessianInterval: 2 }, sgd: { lr: 0.05, momentum: 0.9 } };

describe('a training run stopped at a checkpoint and continued', () => {
  for (const optimizer of listOptimizers())
    it(`${optimizer}: ends byte-identical to the uninterrupted run (stopped mid-epoch and at an epoch's end)`, async () => {
      const o: TrainOptions = { ...base, optimizer, optimizerOptions: optionsFor[optimizer] ?? {}, schedule: { kind: 'cosine' } };
      const whole = await train(net, split, o);
      expect(whole.steps).toHaveLength(10);
      expectSame(whole, await stopAndResume(o, 3));
      expectSame(whole, await stopAndResume(o, 5));
    });

  // Every model family a shipped suite trains (their state: convolutions, batch norm, residual blocks).
  for (const [family, spec] of [
    [
      'cnn',
      {
        kind: 'cnn',
        convs: [
          { channels: 4, stride: 1 },
          { channels: 8, stride: 2 },
        ],
        batchNorm: true,
        dropout: 0.2,
      },
    ],
    ['lenet5', { kind: 'lenet5' }],
    ['resnet', { kind: 'resnet', depth: 8, width: 4 }],
  ] as const)
    it(`the ${family} family: byte-identical after a stop mid-epoch`, async () => {
      const model = new Network(spec as ModelSpec, ds.shape, 10);
      const o: TrainOptions = { ...base, epochs: 1, optimizer: 'adam' };
      const small = limitSplit(ds.train, 192);
      expectSame(await train(model, small, o), await stopAndResume(o, 2, model, small));
    });

  it('with SAM, the noise and adversarial regimes, and a run that stops at a step', async () => {
    const cases: TrainOptions[] = [
      { ...base, optimizer: 'adam', sam: { rho: 0.05, adaptive: false } },
      { ...base, optimizer: 'sgd', transform: batchTransform({ kind: 'noise', sigma: 0.1 }, net, ds.shape, 3) },
      { ...base, optimizer: 'adamw', transform: batchTransform({ kind: 'adversarial', attack: 'pgd', eps: 0.05, steps: 2 }, net, ds.shape, 3) },
      { ...base, optimizer: 'schedulefree_adamw', stopAtStep: 8 },
    ];
    for (const o of cases) {
      const whole = await train(net, split, o);
      expectSame(whole, await stopAndResume(o, 4));
    }
  });
});

describe('checkpoint files', () => {
  it('are used only whole and only for their own run and cell', () => {
    writeCheckpoint(dir, 'run-a', 'cell-1', { step: 7, trained: false }, { x: new Float32Array([1, Number.NaN, -0, Number.POSITIVE_INFINITY]) });
    const back = readCheckpoint(dir, 'run-a', 'cell-1')!;
    expect(back.header.step).toBe(7);
    const x = (back.state as { x: Float32Array }).x;
    expect([x[0], x[1], Object.is(x[2], -0), x[3]]).toEqual([1, Number.NaN, true, Number.POSITIVE_INFINITY]);
    expect(readCheckpoint(dir, 'run-b', 'cell-1')).toBeUndefined();
    expect(readCheckpoint(dir, 'run-a', 'cell-2')).toBeUndefined();
    const file = checkpointFile(dir, 'cell-1');
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 3));
    expect(readCheckpoint(dir, 'run-a', 'cell-1')).toBeUndefined();
    // Written by code of other numerics (an upgrade between attempts): not continued.
    const header = JSON.parse(whole.subarray(0, whole.indexOf(10)).toString());
    writeFileSync(file, Buffer.concat([Buffer.from(`${JSON.stringify({ ...header, numerics: 'another' })}\n`), whole.subarray(whole.indexOf(10) + 1)]));
    expect(readCheckpoint(dir, 'run-a', 'cell-1')).toBeUndefined();
    const flipped = Buffer.from(whole);
    flipped[flipped.length - 2]! ^= 1;
    writeFileSync(file, flipped);
    expect(readCheckpoint(dir, 'run-a', 'cell-1')).toBeUndefined();
  });
});

describe("an optimizer's state as data", () => {
  it('leaves the parameters (the weights carry them) and staging space out, and refuses to continue a different optimizer', () => {
    const adam = createOptimizer('adam');
    const [p] = adam.adopt([new Float32Array(10).fill(1)]);
    adam.step([p!], [new Float32Array(10).fill(0.5)]);
    const state = adam.saveState();
    expect(state.steps).toBe(1);
    const t = state.tensors[0] as Record<string, unknown>;
    expect(t.p).toBeNull();
    expect(t.g).toBeNull(); // staging space, not state
    expect(t.m).toEqual(Float32Array.from({ length: 10 }, () => Math.fround(0.1 * 0.5)));
    const sgd = createOptimizer('sgd');
    sgd.adopt([new Float32Array(10)]);
    expect(() => sgd.loadState(state)).toThrow(/adam's/);
  });

  it("names where a user optimizer's state is not data", () => {
    class Box {
      v = 0;
    }
    const def = defineOptimizer({
      name: 'boxed-for-checkpoints',
      options: { lr: { default: 0.1, min: 0 } },
      init: () => ({ box: new Box() }),
      update: ({ param, grad, options }) => {
        for (let i = 0; i < param.length; i++) param[i]! -= options.lr * grad[i]!;
      },
    });
    const o = createOptimizer(def.name);
    o.adopt([new Float32Array(2)]);
    expect(() => o.saveState()).toThrow(StateNotCapturable);
    expect(() => o.saveState()).toThrow(/tensor 0\.user\.box is an instance of Box/);
  });

  it('trains a user optimizer whose state is not data without checkpoints, and still stops when asked', async () => {
    const o = { ...base, optimizer: 'boxed-for-checkpoints' };
    const whole = await train(net, split, o);
    let saves = 0;
    const unsaved = await train(net, split, { ...o, snapshots: { due: () => true, stopping: () => false, save: () => void saves++ } });
    expect(saves).toBe(0);
    expectSame(whole, unsaved);
    let asked = 0;
    await expect(train(net, split, { ...o, snapshots: { due: () => true, stopping: () => ++asked === 2, save: () => void saves++ } })).rejects.toThrow(
      TrainingStopped,
    );
    expect(saves).toBe(0);
  });
});
