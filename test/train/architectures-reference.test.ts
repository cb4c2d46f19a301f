// A residual network with batch norm and a deep sigmoid MLP against PyTorch, trained from
// the same initial weights and batch orders (scripts/reference/architectures_reference.py).
// The reference is PyTorch in float64; PyTorch's own float32 run of the same trajectory is in
// the fixture too, and measures how far float32 rounding alone moves the losses (Adam
// amplifies it: PyTorch float32 leaves 1e-5 of float64 within 10 steps of the ResNet). So:
//   - the first 30 losses and the running statistics after 30 steps agree to 1e-5 relative
//     (running means relative to the running standard deviation), or, where even PyTorch's
//     float32 run strays further, to no more than it does (its worst buffer for ours);
//   - every loss of 2 epochs within 1e-3, or the worst deviation of PyTorch's float32 runs;
//   - test accuracy after 2 epochs per seed within one point (or PyTorch's own float32 gap),
//     where the model has left its plateau.
// The ResNet's 2-epoch runs take minutes: OPTROBUST_SLOW=1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { ARCHITECTURE_RUNS } from '../helpers/architecture-runs.ts';

interface Reference {
  seeds: number[];
  /** Every step's loss, per seed (float64). */
  losses: number[][];
  buffers_after_30_seed0: number[][];
  accuracy: number[];
  float32: { losses: number[][]; buffers_after_30_seed0: number[][]; accuracy: number[] };
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'architectures-reference.json'), 'utf8')) as Record<string, Reference>;
const ds = loadDataset('fashion-mnist-subset');
const slow = process.env.OPTROBUST_SLOW === '1';
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** The largest relative deviation of `losses` from the reference over the first `n` steps. */
const worst = (losses: readonly number[], ref: readonly number[], n = losses.length) => Math.max(...losses.slice(0, n).map((l, i) => rel(l, ref[i]!)));

for (const run of ARCHITECTURE_RUNS) {
  const ref = fixture[run.name]!;
  const options = {
    epochs: run.epochs,
    batchSize: run.batchSize,
    optimizer: run.optimizer,
    optimizerOptions: run.optimizer === 'sgd' ? { lr: run.lr, momentum: run.momentum ?? 0 } : { lr: run.lr },
  };
  describe(`${run.name} trained from the same weights and batches as PyTorch`, () => {
    it('has the losses of the first 30 steps and the running statistics after them (rounding only for 4 steps; then ' +
      "1e-5, or within twice PyTorch float32's own deviation)", async () => {
      const net = new Network(run.model, ds.shape, 10);
      const r = await train(net, ds.train, { ...options, seed: 0, stopAtStep: 30 });
      const losses = r.steps.map((s) => s.loss);
      expect(losses).toHaveLength(30);
      // The first steps carry rounding only (PyTorch float32 stays within 1.3e-7 of float64 for
      // four steps); after them the trajectory amplifies it, and two float32 implementations
      // that sum in different orders are two draws of that growth, alternately ahead: one bounds
      // the other within a factor of 2, not exactly.
      expect(worst(losses, ref.losses[0]!, 4)).toBeLessThan(1e-6);
      const bound = Math.max(1e-5, 2 * worst(ref.float32.losses[0]!, ref.losses[0]!, 30));
      expect(worst(losses, ref.losses[0]!)).toBeLessThanOrEqual(bound);
      // Running means are judged against the spread they are measured in (the running standard
      // deviation): a mean near zero has no meaningful relative error of its own.
      const buffers = r.weights.slice(net.params.length);
      const expected = ref.buffers_after_30_seed0;
      expect(buffers).toHaveLength(expected.length);
      const deviation = (b: ArrayLike<number>, i: number) => {
        const scale = net.buffers[i]!.name.endsWith('running_mean') ? expected[i + 1]!.map(Math.sqrt) : expected[i]!;
        return Math.hypot(...Array.from(b, (v, k) => v - expected[i]![k]!)) / Math.hypot(...scale);
      };
      // Over 30 Adam steps both float32 implementations stray 1e-4 to 1e-3 from float64 in every
      // buffer, which one more in which is chance; the worst buffer is compared, within the same
      // factor of 2 as the losses.
      const ours = Math.max(...buffers.map(deviation));
      const theirs = Math.max(...ref.float32.buffers_after_30_seed0.map(deviation));
      expect(ours).toBeLessThanOrEqual(Math.max(1e-5, 2 * theirs));
    }, 180_000);

    it.skipIf(run.model.kind === 'resnet' && !slow)(
      `follows PyTorch for ${run.epochs} epochs and reaches its test accuracy, seed by seed`,
      async () => {
        const net = new Network(run.model, ds.shape, 10);
        // Float32 rounding grows along a trajectory at a rate that varies from seed to seed; the
        // bound is twice the worst PyTorch float32 deviation over the seeds (two draws of the same
        // growth, as in the 30-step test), or 1e-3.
        const bound = Math.max(1e-3, 2 * Math.max(...run.seeds.map((_, i) => worst(ref.float32.losses[i]!, ref.losses[i]!))));
        for (const [i, seed] of run.seeds.entries()) {
          const r = await train(net, ds.train, { ...options, seed });
          const losses = r.steps.map((s) => s.loss);
          expect(worst(losses, ref.losses[i]!), `seed ${seed}`).toBeLessThanOrEqual(bound);
          if (run.plateau) continue; // see ArchitectureRun.plateau
          const acc = (await evaluate(net, r.weights, ds.test)).accuracy;
          const gap = Math.max(0.01, Math.abs(ref.float32.accuracy[i]! - ref.accuracy[i]!));
          expect(Math.abs(acc - ref.accuracy[i]!), `seed ${seed}: ${acc} vs PyTorch ${ref.accuracy[i]}`).toBeLessThanOrEqual(gap);
        }
      },
      900_000,
    );
  });
}
