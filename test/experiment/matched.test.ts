// Matched-accuracy selection on a constructed trajectory whose answer is known: the target is
// the lowest mean final validation accuracy among the arms; each cell takes the checkpoint
// closest to it, the earlier on a tie; matched_step and matched_gap report that choice; and
// re-training to the chosen step reproduces the checkpoint's weights bit for bit.
import { describe, expect, it } from 'vitest';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { gridCells } from '../../src/run/experiment/grid.ts';
import { matchPlan, type MatchedResult } from '../../src/run/experiment/phases/matched.ts';
import type { CellRecord } from '../../src/run/experiment/store.ts';
import type { CellResult, Checkpoint } from '../../src/run/experiment/phases/main.ts';
import { matchedMeasurements } from '../../src/run/experiment/phases/matched.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { limitSplit } from '../../src/run/experiment/phases/shared.ts';

const suite = defineSuite({
  name: 'matched',
  description: '',
  dataset: 'fashion-mnist-subset',
  model: { kind: 'mlp', hidden: [8] },
  batchSize: 64,
  epochs: 1,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { name: 'adam', options: { lr: 1e-3 } },
  ],
  seeds: [0, 1],
  perturbations: {},
  tune: {},
});
const model = gridCells(suite)[0]!.model;

const checkpoints = (accuracies: number[]): Checkpoint[] => accuracies.map((accuracy, i) => ({ step: 10 * (i + 1), epoch: 1, accuracy, loss: 1 - accuracy }));
const record = (optimizer: string, seed: number, accuracies: number[]): CellRecord => ({
  kind: 'result',
  phase: 'main',
  key: { model, regime: 'standard', optimizer, seed },
  result: { diverged: null, validation: checkpoints(accuracies) } as unknown as CellResult,
});

describe('matchPlan', () => {
  // Dyadic accuracies, so that sums and distances are exact and a tie is a tie. Final validation
  // accuracies: sgd 0.75 and 0.875 (mean 0.8125), adam 0.9375 and 0.875 (mean 0.90625): the target is 0.8125.
  const records = [
    record('sgd', 0, [0.5, 0.625, 0.75]),
    record('sgd', 1, [0.625, 0.8125, 0.875]),
    // 0.75 and 0.875 are both 0.0625 from 0.8125: the earlier (step 10) wins.
    record('adam', 0, [0.75, 0.875, 0.9375]),
    // 0.78125 (step 10) is the closest, though a later checkpoint is higher.
    record('adam', 1, [0.78125, 0.6875, 0.875]),
  ];

  it('targets the lowest mean final validation accuracy, and picks the closest checkpoint, the earlier on ties', () => {
    const plan = matchPlan(suite, records)!;
    expect([...plan.targets.values()]).toHaveLength(1);
    expect([...plan.targets.values()]).toEqual([0.8125]);
    const step = (optimizer: string, seed: number) => plan.cells.find((c) => c.key.optimizer === optimizer && c.key.seed === seed)!.key.step;
    expect(step('sgd', 0)).toBe(30); // 0.75: 0.0625 away, the closest
    expect(step('sgd', 1)).toBe(20); // 0.8125: exactly on target
    expect(step('adam', 0)).toBe(10); // 0.75 and 0.875 tie at 0.0625: the earlier
    expect(step('adam', 1)).toBe(10); // 0.78125
  });

  it('uses tune.matchTarget when the suite sets one', () => {
    const fixed = defineSuite({ ...suite, tune: { matchTarget: 0.7 } });
    const plan = matchPlan(fixed, records)!;
    expect([...plan.targets.values()]).toEqual([0.7]);
    expect(plan.cells.find((c) => c.key.optimizer === 'adam' && c.key.seed === 1)!.key.step).toBe(20); // 0.6875: 0.0125 from 0.7
  });

  it('waits until every grid cell has a main result', () => {
    expect(matchPlan(suite, records.slice(0, 3))).toBeUndefined();
  });

  it('reports the choice: matched_step, matched_val_accuracy and matched_gap = validation accuracy - target', () => {
    const r: MatchedResult = { lr: 0.1, epoch: 1, valAccuracy: 0.8, target: 0.82, eval: [{ perturbation: 'clean', severity: 0, accuracy: 0.79, loss: 0.6 }] };
    const rows = matchedMeasurements({ model, regime: 'standard', optimizer: 'sgd', seed: 0, step: 30 }, r);
    const value = (metric: string) => rows.find((m) => m.metric === metric)!.value;
    expect(value('matched_step')).toBe(30);
    expect(value('matched_val_accuracy')).toBe(0.8);
    expect(value('matched_gap')).toBeCloseTo(-0.02, 12);
    expect(value('matched_accuracy')).toBe(0.79);
  });
});

describe('re-training to a checkpoint', () => {
  it("reproduces the checkpoint's weights exactly", async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const split = limitSplit(ds.train, 640);
    const net = new Network({ kind: 'mlp', hidden: [16] }, ds.shape, 10);
    const options = { seed: 3, epochs: 2, batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 1e-3 } };
    const at = new Map<number, Float32Array[]>();
    await train(net, split, {
      ...options,
      checkpointEvery: 4,
      onCheckpoint: (step, _e, w) =>
        void at.set(
          step,
          w.map((t) => Float32Array.from(t)),
        ),
    });
    expect([...at.keys()]).toContain(12);
    const again = await train(net, split, { ...options, stopAtStep: 12 });
    expect(again.weights.map((t) => Array.from(t))).toEqual(at.get(12)!.map((t) => Array.from(t)));
    // And a different step is a different model (the comparison can fail).
    expect(again.weights.map((t) => Array.from(t))).not.toEqual(at.get(16)!.map((t) => Array.from(t)));
    await net.release();
  });
});
