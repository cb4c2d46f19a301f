// Suite validation: every error names the suite, the field, the value and what was expected.
import { describe, expect, it } from 'vitest';
import { defineSuite, type SuiteDefinition } from '../../src/run/experiment/suite.ts';
import { SHIPPED_SUITES } from '../../suites/index.ts';
import { loadSuite } from '../../harness/load-suite.ts';

const good: SuiteDefinition = {
  name: 'demo',
  description: 'ok',
  dataset: 'fashion-mnist-subset',
  model: { kind: 'mlp', hidden: [8] },
  batchSize: 32,
  epochs: 1,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { label: 'mom', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
  ],
  seeds: [0, 1],
  perturbations: { gaussian_noise: [0.1], shear: [1, 5] },
};

describe('defineSuite', () => {
  it('resolves optimizer options against the defaults and picks the first entry as reference', () => {
    const s = defineSuite(good);
    expect(s.optimizers[1]).toEqual({
      label: 'mom',
      name: 'sgd',
      options: { lr: 0.01, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 },
      schedule: undefined,
    });
    expect(s.reference).toBe('sgd');
    expect(s.stepLogEvery).toBe(1);
  });

  const bad: [string, Partial<SuiteDefinition> | Record<string, unknown>, string][] = [
    [
      'dataset',
      { dataset: 'cifar100' },
      'suite "demo": dataset = "cifar100"; expected one of fashion-mnist-subset, mnist-subset, fashion-mnist, mnist, kmnist, cifar10',
    ],
    ['epochs', { epochs: -1 }, 'suite "demo": epochs = -1; expected a non-negative integer (0: evaluate the initial weights without training)'],
    ['seeds', { seeds: [0, 0] }, 'suite "demo": seeds = [0,0]; expected no repeated seed'],
    ['seeds.auto max below min', { seeds: { auto: { min: 5, max: 3 } } }, 'suite "demo": seeds.auto.max = 3; expected at least seeds.auto.min (5)'],
    ['seeds.auto delta', { seeds: { auto: { delta: 2 } } }, 'suite "demo": seeds.auto.delta = 2; expected an accuracy difference in (0, 1)'],
    ['seeds.auto first', { seeds: { auto: { first: 4294967290 } } }, 'suite "demo": seeds.auto.first = 4294967290; expected a first seed that leaves room'],
    ['seeds block without auto', { seeds: {} }, 'suite "demo": seeds = {}; expected a list of seeds, or { auto: { min, max, delta } }'],
    ['seeds block with another field', { seeds: { auto: {}, every: 2 } }, 'suite "demo": seeds.every = 2; expected a list of seeds, or { auto'],
    ['model', { model: { kind: 'mlp', hidden: [8, -1] } }, 'suite "demo": model.hidden = [8,-1]; expected a list of positive integer widths'],
    ['optimizer name', { optimizers: [{ name: 'adamm' }] }, 'suite "demo": optimizers[0].name = "adamm"; expected one of sgd, rmsprop'],
    [
      'optimizer option',
      { optimizers: [{ name: 'adam', options: { lr: -1 } }] },
      'suite "demo": optimizers[0].options = {"lr":-1}; expected valid adam options (adam: option "lr" = -1 is invalid',
    ],
    ['duplicate labels', { optimizers: [{ name: 'sgd' }, { name: 'sgd' }] }, 'suite "demo": optimizers = ["sgd","sgd"]; expected unique labels'],
    [
      'schedule',
      { optimizers: [{ name: 'sgd', schedule: { kind: 'step', everyNSteps: 0, gamma: 0.5 } }] },
      'optimizers[0].schedule.everyNSteps = 0; expected a positive integer',
    ],
    ['perturbation', { perturbations: { fog: [1] } }, 'suite "demo": perturbations.fog = [1]; expected a known perturbation name (clean, gaussian_noise'],
    ['severity', { perturbations: { rotation: [30, 400] } }, 'suite "demo": perturbations.rotation[1] = 400; expected a number in [-360, 360] (degrees)'],
    ['level', { perturbations: { contrast: [0] } }, 'suite "demo": perturbations.contrast[0] = 0; expected an integer level 1-5'],
    ['tune.points', { tune: { method: 'grid', points: 1 } }, 'suite "demo": tune.points = 1; expected an integer >= 2'],
    ['tune.ranges', { tune: { ranges: { sgd: [1, 0.1] } } }, 'suite "demo": tune.ranges.sgd = [1,0.1]; expected a range [min, max] with 0 < min < max'],
    [
      'tune.ranges label',
      { tune: { ranges: { adam: [1e-4, 1e-2] } } },
      'suite "demo": tune.ranges.adam = [0.0001,0.01]; expected an optimizer label of this suite (sgd, mom)',
    ],
    ['tune.validationFraction', { tune: { validationFraction: 0.7 } }, 'suite "demo": tune.validationFraction = 0.7; expected a number in (0, 0.5)'],
    [
      'an unknown tune option',
      { tune: { pointz: 9 } },
      'suite "demo": tune.pointz = 9; expected no such option (method, budget, budgets, search, schedules, points, ranges, seeds, validationFraction, ' +
        'metric, matchTarget, checkpoints)',
    ],
    ['tune.method', { tune: { method: 'random' } }, 'suite "demo": tune.method = "random"; expected "quasirandom" or "grid"'],
    ['tune.budget', { tune: { budget: 0 } }, 'suite "demo": tune.budget = 0; expected trials per optimizer: an integer from 1 to 256'],
    ['tune.budget of a grid', { tune: { method: 'grid', budget: 8 } }, 'suite "demo": tune.budget = 8; expected nothing with tune.method "grid"'],
    [
      'tune.points of a quasirandom search',
      { tune: { method: 'quasirandom', points: 5 } },
      'suite "demo": tune.points = 5; expected nothing with tune.method "quasirandom"',
    ],
    ['tune.budget beside points (a grid)', { tune: { points: 5, budget: 8 } }, 'suite "demo": tune.budget = 8; expected nothing with tune.method "grid"'],
    ['tune.budgets out of order', { tune: { budgets: [8, 4] } }, 'suite "demo": tune.budgets = [8,4]; expected a non-empty increasing list of trial counts'],
    [
      'tune.budgets beyond the budget',
      { tune: { budget: 8, budgets: [4, 16] } },
      'suite "demo": tune.budgets = [4,16]; expected budgets up to tune.budget (8)',
    ],
    [
      'tune.schedules',
      { tune: { schedules: ['cosine', 'exp'] } },
      'suite "demo": tune.schedules = ["cosine","exp"]; expected a non-empty list of distinct schedule shapes',
    ],
    ['tune.search', { tune: { search: ['lr', 'dropout'] } }, 'suite "demo": tune.search = ["lr","dropout"]; expected a list of distinct hyperparameter names'],
    [
      'an unknown sharpness option',
      { sharpness: { samplez: 3 } },
      'suite "demo": sharpness.samplez = 3; expected no such option (examples, iterations, samples)',
    ],
    [
      'tune.ranges without an upper bound',
      { tune: { ranges: { sgd: [1e-3, Infinity] } } },
      'suite "demo": tune.ranges.sgd = [0.001,Infinity]; expected a range [min, max] with 0 < min < max, both finite',
    ],
    ['name that is a path', { name: '../out' }, 'suite "../out": name = "../out"; expected a label: letters, digits and _ . + -'],
    ['seed beyond 2^32 - 1', { seeds: [4294967296] }, 'suite "demo": seeds = [4294967296]; expected a non-empty list of integers in 0..4294967295'],
    [
      'non-finite option',
      { optimizers: [{ name: 'sgd', options: { lr: Number.NaN } }] },
      'suite "demo": optimizers[0].options = {"lr":NaN}; expected valid sgd options (sgd: option "lr" = NaN is invalid; expected a finite number',
    ],
    [
      'schedule with an infinite floor',
      { optimizers: [{ name: 'sgd', schedule: { kind: 'cosine', minLr: Infinity } }] },
      'optimizers[0].schedule.minLr = Infinity; expected a finite number >= 0',
    ],
    ['reference', { reference: 'adam' }, 'suite "demo": reference = "adam"; expected one of the optimizer labels (sgd, mom)'],
  ];
  for (const [what, change, message] of bad) {
    it(`rejects a bad ${what}`, () => {
      expect(() => defineSuite({ ...good, ...change } as SuiteDefinition)).toThrow(message);
    });
  }

  it('every shipped suite loads and validates', async () => {
    for (const name of Object.keys(SHIPPED_SUITES)) expect((await loadSuite(name)).name).toBe(name);
  });
});
