// The training loop: reproducible to the bit, identical starting points and batches
// for every optimizer of a seed, per-step statistics, and divergence recorded, not thrown.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { limitSplit } from '../../src/run/experiment/phases/shared.ts';
import { train } from '../../src/run/train/train.ts';
import { BatchLoader } from '../../src/core/data/batches.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const ds = loadDataset('fashion-mnist-subset');
const small = limitSplit(ds.train, 600);
const net = new Network({ kind: 'mlp', hidden: [32] }, ds.shape, 10);

describe('train', () => {
  it('gives bit-identical weights and statistics for the same seed', async () => {
    const o = { seed: 4, epochs: 2, batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 1e-3 } };
    const a = await train(net, small, o);
    const b = await train(net, small, o);
    expect(b.weights).toEqual(a.weights);
    expect(b.steps).toEqual(a.steps);
    const c = await train(net, small, { ...o, seed: 5 });
    expect(c.weights[0]).not.toEqual(a.weights[0]);
  });

  it('starts every optimizer of a seed from the same weights and feeds the same batches', async () => {
    const seen: string[][] = [];
    for (const optimizer of ['sgd', 'adam']) {
      const r = await train(net, small, { seed: 1, epochs: 1, batchSize: 100, optimizer });
      // The first step's loss depends only on the initial weights and the first batch.
      seen.push([String(r.steps[0]!.loss), String(r.steps[0]!.gradNorm)]);
    }
    expect(seen[1]).toEqual(seen[0]);
    const order = (seed: number) => Array.from(new BatchLoader(small, 100, createRng(seed, 'shuffle')).epoch(), (b) => Array.from(b.y).join()).join('|');
    expect(order(1)).toBe(order(1));
    expect(order(1)).not.toBe(order(2));
  });

  it('records loss, global and per-tensor gradient norms and update norm at every step', async () => {
    const r = await train(net, small, { seed: 0, epochs: 2, batchSize: 128, optimizer: 'sgd', optimizerOptions: { lr: 0.1 } });
    expect(r.steps.length).toBe(2 * Math.ceil(600 / 128));
    expect(r.steps.map((s) => s.step)).toEqual(r.steps.map((_, i) => i + 1));
    for (const s of r.steps) {
      const global = Math.sqrt(s.tensorGradNorms.reduce((a, n) => a + n * n, 0));
      expect(s.gradNorm).toBeCloseTo(global, 10);
      // Plain SGD moves the weights by exactly lr · gradient (up to float32 rounding).
      expect(s.updateNorm / (0.1 * s.gradNorm)).toBeCloseTo(1, 4);
    }
    expect(r.diverged).toBeNull();
    expect(r.finalTrainLoss).toBeLessThan(r.steps[0]!.loss);
  });

  it('marks a run diverged at the first non-finite loss and stops there', async () => {
    const r = await train(net, small, { seed: 0, epochs: 3, batchSize: 64, optimizer: 'sgd', optimizerOptions: { lr: 1e10 } });
    expect(r.diverged).not.toBeNull();
    const last = r.steps[r.steps.length - 1]!;
    expect(r.diverged!.step).toBe(last.step);
    expect(Number.isFinite(last.loss) && Number.isFinite(last.gradNorm)).toBe(false);
    expectEvery(r.steps.slice(0, -1), (s) => Number.isFinite(s.loss));
    expect(r.steps.length).toBeLessThan(3 * Math.ceil(600 / 64));
  });

  it('applies the learning-rate schedule at every step', async () => {
    const r = await train(net, small, {
      seed: 0,
      epochs: 1,
      batchSize: 100,
      optimizer: 'sgd',
      optimizerOptions: { lr: 0.1 },
      schedule: { kind: 'warmup', steps: 3 },
    });
    expect(r.steps.map((s) => s.lr)).toEqual([0.1 / 3, 0.2 / 3, 0.1, 0.1, 0.1, 0.1]);
  });
});
