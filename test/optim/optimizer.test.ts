// The optimizer contract: registry, defaults, validation messages, state and the update norm.
import { describe, expect, it } from 'vitest';
import { createOptimizer, listOptimizers } from '../../src/core/optim/registry.ts';
import { instantiate, nonNegative, type OptimizerDefinition } from '../../src/core/optim/optimizer.ts';

describe('optimizer registry', () => {
  it('lists the seventeen optimizers', () => {
    expect(listOptimizers().sort()).toEqual([
      'adabelief',
      'adadelta',
      'adafactor',
      'adagrad',
      'adam',
      'adamax',
      'adamw',
      'lamb',
      'lion',
      'muon',
      'nadam',
      'radam',
      'rmsprop',
      'schedulefree_adamw',
      'schedulefree_sgd',
      'sgd',
      'sophia',
    ]);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => createOptimizer('adamm')).toThrow(/unknown optimizer "adamm"; known: sgd, rmsprop, .*lion/);
  });

  it('uses torch.optim defaults', () => {
    expect(createOptimizer('adam').options).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
    expect(createOptimizer('adamw').options.weightDecay).toBe(1e-2);
    expect(createOptimizer('rmsprop').options).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
    expect(createOptimizer('adagrad').options).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
    expect(createOptimizer('adadelta').options).toEqual({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 });
    expect(createOptimizer('adamax').options.lr).toBe(2e-3);
    expect(createOptimizer('nadam').options).toEqual({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 });
    expect(createOptimizer('radam').options.lr).toBe(1e-3);
  });
});

describe('option validation names the option, the value and the allowed range', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['sgd', { lr: -0.1 }, /sgd: option "lr" = -0.1 is invalid; expected a finite number in \[0, inf\)/],
    ['adam', { eps: -1e-8 }, /adam: option "eps" = -1e-8 is invalid; expected a finite number in \[0, inf\)/],
    ['adam', { betas: [0.9, 1] }, /adam: option "betas" = \[0.9,1\] is invalid; expected a pair \[beta1, beta2\], each in \[0, 1\)/],
    ['adamw', { betas: [-0.1, 0.9] }, /adamw: option "betas"/],
    ['sgd', { momentum: 0, nesterov: true }, /sgd: nesterov = true requires momentum > 0 and dampening = 0/],
    ['sgd', { momentum: 0.9, dampening: 0.1, nesterov: true }, /dampening 0.1/],
    ['rmsprop', { centred: true }, /rmsprop: unknown option "centred"; known options: lr, alpha, eps, weightDecay, momentum, centered/],
    ['adadelta', { rho: 1.5 }, /adadelta: option "rho" = 1.5 is invalid; expected a finite number in \[0, 1\]/],
    ['adam', { amsgrad: 'yes' }, /adam: option "amsgrad" = "yes" is invalid; expected true or false/],
    ['lion', { lr: Number.NaN }, /lion: option "lr"/],
    ['sophia', { gradClip: -1 }, /sophia: option "gradClip" = -1 is invalid; expected a finite number in \[0, inf\)/],
    ['sophia', { freshCurvatureBatch: 1 }, /sophia: option "freshCurvatureBatch" = 1 is invalid; expected true or false/],
  ];
  for (const [name, options, message] of cases) {
    it(`${name} ${JSON.stringify(options)}`, () => expect(() => createOptimizer(name, options)).toThrow(message));
  }
});

describe('stepping', () => {
  it('returns the L2 norm of the update it applied', () => {
    const p = [new Float32Array([1, 2]), new Float32Array([3])];
    const before = p.map((t) => Float32Array.from(t));
    const norm = createOptimizer('sgd', { lr: 0.5 }).step(p, [new Float32Array([1, -2]), new Float32Array([4])]);
    const expected = Math.sqrt(p.flatMap((t, i) => Array.from(t, (v, j) => (v - before[i]![j]!) ** 2)).reduce((a, b) => a + b));
    expect(norm).toBeCloseTo(expected, 6);
    expect(norm).toBeCloseTo(Math.sqrt(0.25 + 1 + 4), 6);
  });

  it('creates state on the first step and counts steps', () => {
    const opt = createOptimizer('adam');
    expect(opt.steps).toBe(0);
    opt.step([new Float32Array(3)], [new Float32Array([1, 1, 1])]);
    opt.step([new Float32Array(3)], [new Float32Array([1, 1, 1])]);
    expect(opt.steps).toBe(2);
  });

  it('refuses mismatched parameter and gradient lists', () => {
    expect(() => createOptimizer('sgd').step([new Float32Array(2)], [])).toThrow(/1 parameter tensors but 0 gradients/);
    expect(() => createOptimizer('sgd').step([new Float32Array(2)], [new Float32Array(3)])).toThrow(/tensor 0 has 2 values but its gradient 3/);
  });

  it('uses the learning rate set on it (how schedules drive it)', () => {
    const opt = createOptimizer('sgd', { lr: 1 });
    const p = new Float32Array([0]);
    opt.lr = 0.25;
    opt.step([p], [new Float32Array([1])]);
    expect(p[0]).toBe(-0.25);
  });
});

describe('Optimizer.adopt', () => {
  const start = () => [Float32Array.from({ length: 37 }, (_, i) => Math.sin(i)), Float32Array.from({ length: 5 }, (_, i) => i / 7)];
  const grads = (k: number) => start().map((t) => t.map((v, i) => Math.cos(v * (k + 1) + i) * 0.1));

  for (const name of listOptimizers()) {
    it(`${name}: stepping the adopted copy gives the same bytes as stepping plain arrays, and leaves the originals alone`, async () => {
      const plain = start();
      const a = createOptimizer(name, { lr: 0.01, ...(name === 'sgd' ? { momentum: 0.9 } : {}) });
      const b = createOptimizer(name, { lr: 0.01, ...(name === 'sgd' ? { momentum: 0.9 } : {}) });
      const original = start();
      const adopted = b.adopt(original);
      expect(adopted.map((t) => Array.from(t))).toEqual(start().map((t) => Array.from(t)));
      for (let k = 0; k < 5; k++) expect(await b.stepAsync(adopted, grads(k))).toBe(await a.stepAsync(plain, grads(k)));
      expect(adopted.map((t) => Array.from(t))).toEqual(plain.map((t) => Array.from(t)));
      expect(original.map((t) => Array.from(t))).toEqual(start().map((t) => Array.from(t)));
    });
  }

  it("places SIMD optimizers' copies in their arena (one buffer for all tensors), others in fresh arrays", () => {
    for (const name of listOptimizers().filter((n) => n !== 'adafactor' && n !== 'muon')) {
      const [p, q] = createOptimizer(name, {}).adopt(start());
      expect(p!.buffer, name).toBe(q!.buffer);
    }
    // A definition without a SIMD home (what a new optimizer may start as) gets plain copies.
    const plainSgd: OptimizerDefinition<{ lr: number }, null> = {
      name: 'plain',
      description: 'p -= lr·g',
      lrRange: [1e-3, 1],
      defaults: { lr: 0.1 },
      schema: { lr: nonNegative },
      init: () => null,
      update(p, g, _s, _o, lr) {
        for (let i = 0; i < p.length; i++) p[i] = Math.fround(p[i]! - lr * g[i]!);
        return 0;
      },
    };
    const [r, t] = instantiate(plainSgd, {}).adopt(start());
    expect(r!.buffer).not.toBe(t!.buffer);
  });

  it('refuses to adopt after the first step', () => {
    const o = createOptimizer('adam', {});
    o.step(start(), grads(0));
    expect(() => o.adopt(start())).toThrow(/adam.adopt: call it before the first step/);
  });
});
