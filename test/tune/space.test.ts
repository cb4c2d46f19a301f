// Search spaces: the rule table read from an optimizer's resolved options, the maps from the
// unit interval to values (and back), and a point turned into options and a schedule.
import { describe, expect, it } from 'vitest';
import { applyHyperparameters, dimensionPosition, dimensionValue, searchSpace, type Dimension } from '../../src/core/optim/space.ts';
import { optimizerDefinition } from '../../src/core/optim/registry.ts';
import { resolveOptions } from '../../src/core/optim/optimizer.ts';
import { defineSuite } from '../../src/index.ts';
import { tuneCells, trialPoint } from '../../src/run/experiment/phases/tune.ts';
import { suiteArms } from '../../src/run/experiment/grid.ts';

const space = (name: string, options: Record<string, unknown> = {}, how = {}) =>
  searchSpace(optimizerDefinition(name), resolveOptions(optimizerDefinition(name), options), how).map(([n, d]) => [n, d]);

describe('searchSpace', () => {
  it('searches what each optimizer has, in a fixed order', () => {
    expect(space('sgd').map(([n]) => n)).toEqual(['lr', 'weightDecay']); // plain SGD stays plain
    expect(space('sgd', { momentum: 0.9 }).map(([n]) => n)).toEqual(['lr', 'weightDecay', 'momentum']);
    expect(space('adam').map(([n]) => n)).toEqual(['lr', 'weightDecay', 'beta1', 'beta2']);
    expect(space('adagrad').map(([n]) => n)).toEqual(['lr', 'weightDecay']);
    expect(space('adam', {}, { only: ['beta1'] }).map(([n]) => n)).toEqual(['lr', 'beta1']);
    expect(space('adam', {}, { schedules: ['cosine', 'linear'] }).map(([n]) => n)).toEqual(['lr', 'weightDecay', 'beta1', 'beta2', 'warmup', 'schedule']);
    expect(space('adam', {}, { schedules: ['cosine'], fixedSchedule: true }).map(([n]) => n)).toEqual(['lr', 'weightDecay', 'beta1', 'beta2']);
  });

  it('gives the learning rate its range and decoupled weight decay the wider one', () => {
    expect(space('adam')[0]).toEqual(['lr', { scale: 'log', min: 1e-5, max: 1e-1 }]);
    expect(space('adam', {}, { lrRange: [1e-4, 1e-2] })[0]).toEqual(['lr', { scale: 'log', min: 1e-4, max: 1e-2 }]);
    expect(space('adam')[1]).toEqual(['weightDecay', { scale: 'log', min: 1e-6, max: 1e-2 }]);
    for (const name of ['adamw', 'lion', 'sophia', 'muon', 'adafactor', 'lamb'])
      expect(space(name)[1]).toEqual(['weightDecay', { scale: 'log', min: 1e-4, max: 1 }]);
  });
});

describe('dimensions', () => {
  const dims: Dimension[] = [
    { scale: 'log', min: 1e-4, max: 1 },
    { scale: 'one-minus-log', min: 0.01, max: 0.5 },
    { scale: 'linear', min: 0, max: 0.1 },
  ];
  it('map the unit interval onto the range, ends and middle as defined', () => {
    expect(dimensionValue(dims[0]!, 0)).toBe(1e-4);
    expect(dimensionValue(dims[0]!, 0.5)).toBe(0.01); // the geometric middle
    expect(dimensionValue(dims[1]!, 0)).toBe(0.5); // 1 - 0.5
    expect(dimensionValue(dims[1]!, 0.5)).toBe(1 - Number(Math.sqrt(0.01 * 0.5).toPrecision(6)));
    expect(dimensionValue(dims[2]!, 0.25)).toBe(0.025);
    expect(dimensionValue({ scale: 'choice', values: ['a', 'b', 'c'] }, 0.34)).toBe('b');
    expect(dimensionValue({ scale: 'choice', values: ['a', 'b', 'c'] }, 0.9999)).toBe('c');
  });
  it('and back: the position of a value is the coordinate that gave it', () => {
    for (const d of dims) for (const u of [0.05, 0.3, 0.77, 0.95]) expect(dimensionPosition(d, dimensionValue(d, u))).toBeCloseTo(u, 5);
  });
});

describe('applyHyperparameters', () => {
  const adam = resolveOptions(optimizerDefinition('adam'), {});
  it('puts beta1 and beta2 into betas and the rest into options', () => {
    const r = applyHyperparameters(adam, undefined, { lr: 0.01, weightDecay: 1e-4, beta1: 0.8, beta2: 0.99 }, 100);
    expect(r.options).toMatchObject({ lr: 0.01, weightDecay: 1e-4, betas: [0.8, 0.99], eps: 1e-8 });
    expect(r.schedule).toBeUndefined();
    expect(applyHyperparameters(adam, undefined, { lr: 0.01, beta2: 0.95 }, 100).options.betas).toEqual([0.9, 0.95]);
  });
  it('turns a warmup fraction into steps of the run before the searched shape', () => {
    expect(applyHyperparameters(adam, undefined, { lr: 1, warmup: 0.05, schedule: 'cosine' }, 400).schedule).toEqual({
      kind: 'warmup',
      steps: 20,
      then: { kind: 'cosine' },
    });
    expect(applyHyperparameters(adam, undefined, { lr: 1, warmup: 0.001, schedule: 'linear' }, 400).schedule).toEqual({ kind: 'linear' });
    expect(applyHyperparameters(adam, undefined, { lr: 1, warmup: 0.1, schedule: 'constant' }, 400).schedule).toEqual({
      kind: 'warmup',
      steps: 40,
      then: { kind: 'constant' },
    });
  });
});

describe('the quasirandom search of a suite', () => {
  const suite = defineSuite({
    name: 'budgeted',
    description: 'a budgeted search',
    dataset: 'fashion-mnist-subset',
    model: { kind: 'mlp', hidden: [8] },
    batchSize: 64,
    epochs: 1,
    optimizers: [{ name: 'sgd', options: { lr: 0.1 } }, { label: 'mom', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } }, { name: 'adam' }],
    seeds: [3, 4, 5],
    perturbations: { gaussian_noise: [0.1] },
    tune: { budget: 5 },
  });
  it('gives every optimizer the same budget and the same points of the unit cube, each on the first two seeds', () => {
    const cells = tuneCells(suite);
    for (const o of ['sgd', 'mom', 'adam']) {
      const mine = cells.filter((c) => c.optimizer === o);
      expect(mine.map((c) => [c.trial, c.seed])).toEqual(
        [0, 1, 2, 3, 4].flatMap((t) => [
          [t, 3],
          [t, 4],
        ]),
      );
    }
    const arms = suiteArms(suite);
    for (let t = 0; t < 5; t++) {
      // The learning-rate coordinate is the same for every arm (the ranges differ: compare positions).
      const positions = arms.map((a) => {
        const [, d] = a.entry.space![0]!;
        return dimensionPosition(d, trialPoint(suite, a, t).lr!);
      });
      for (const p of positions) expect(p).toBeCloseTo(positions[0]!, 4);
    }
    // The suite records each arm's space (run.json says what was searched) and the protocol written out.
    expect(suite.tune).toMatchObject({ method: 'quasirandom', budget: 5 });
    expect(arms.map((a) => a.entry.space!.map(([n]) => n))).toEqual([
      ['lr', 'weightDecay'],
      ['lr', 'weightDecay', 'momentum'],
      ['lr', 'weightDecay', 'beta1', 'beta2'],
    ]);
    // A block that gives grid points asks for the grid (suites before quasirandom tuning); one that gives nothing, the default.
    expect(defineSuite({ ...suite, tune: { points: 5 } }).tune).toMatchObject({ method: 'grid', points: 5 });
    expect(defineSuite({ ...suite, tune: {} }).tune).toMatchObject({ method: 'quasirandom', budget: 8 });
    // Read back (run.json's resolved suite), the same space and the same trials.
    const again = defineSuite(JSON.parse(JSON.stringify(suite)));
    expect(tuneCells(again)).toEqual(cells);
  });
});
