// The optimizers beyond torch.optim's classics, on properties their trajectories
// (torch-reference.test.ts) do not show: Muon's orthogonalisation against the exact polar
// factor, schedule-free's evaluation point as the average of its base iterates, Adafactor's
// factored statistics, and how the training loop uses each (shapes, evaluation weights).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clipGradNorm } from '../../src/core/optim/clip.ts';
import { createOptimizer } from '../../src/core/optim/registry.ts';
import { orthogonalise, toBfloat16 } from '../../src/core/optim/newton-schulz.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { BatchLoader } from '../../src/core/data/batches.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { StepNoise } from '../../src/run/train/noise.ts';

interface PolarCase {
  rows: number;
  cols: number;
  g: number[];
  newtonSchulz: number[];
  polar: number[];
  tolerance: number;
}
const polar = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'optim-muon', 'polar.json'), 'utf8')) as { cases: PolarCase[] };

interface Bf16Case {
  rows: number;
  cols: number;
  g: number[];
  x: number[];
  update: number[];
}
const bf16 = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'optim-muon', 'bf16.json'), 'utf8')) as { cases: Bf16Case[] };

describe("muon in bfloat16, as its authors run it (scripts/reference/transcribed_fixtures.py's zeropower_bf16)", () => {
  it('rounds to nearest even, as PyTorch does', () => {
    expect(toBfloat16(1 + 2 ** -8)).toBe(1); // a tie: to the even neighbour
    expect(toBfloat16(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(toBfloat16(1 + 2 ** -8 + 2 ** -20)).toBe(1 + 2 ** -7);
    expect(toBfloat16(-(1 + 2 ** -8 + 2 ** -20))).toBe(-(1 + 2 ** -7));
    expect(toBfloat16(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(toBfloat16(Number.NaN)).toBeNaN();
    expect(toBfloat16(3.4e38)).toBe(Number.POSITIVE_INFINITY); // past bfloat16's largest finite value
  });
  for (const c of bf16.cases) {
    it(`${c.rows} x ${c.cols}: every element of the orthogonalised matrix and of Muon's step exact`, async () => {
      const x = await orthogonalise(Float32Array.from(c.g), c.rows, c.cols, 5, true);
      expect([...x]).toEqual(c.x);
      // float32 is another computation: it differs (so the comparison above can fail).
      const f32 = await orthogonalise(Float32Array.from(c.g), c.rows, c.cols, 5, false);
      expect(f32.some((v, i) => v !== c.x[i])).toBe(true);
      // One Muon step from zero weights (no momentum, no Nesterov: the step's direction is the gradient's): p = -lr·update.
      const opt = createOptimizer('muon', { lr: 0.02, momentum: 0, nesterov: false, bfloat16: true });
      const [p] = opt.adopt([new Float32Array(c.rows * c.cols)], [[c.rows, c.cols]]);
      await opt.stepAsync([p!], [Float32Array.from(c.g)]);
      expect([...p!]).toEqual(c.update.map((u) => Math.fround(-Math.fround(0.02 * u)) || 0));
    });
  }
});

describe("muon's Newton-Schulz orthogonalisation", () => {
  for (const c of polar.cases) {
    it(`${c.rows} x ${c.cols}: U f(S) Vᵀ of the float64 SVD, and within the iteration's tolerance of the polar factor U Vᵀ`, async () => {
      const x = await orthogonalise(Float32Array.from(c.g), c.rows, c.cols);
      const worstNs = Math.max(...c.newtonSchulz.map((v, i) => Math.abs(x[i]! - v)));
      const worstPolar = Math.max(...c.polar.map((v, i) => Math.abs(x[i]! - v)));
      expect(worstNs).toBeLessThan(2e-5);
      // Entries are bounded by the spectral norm of the difference, max |f(σ) - 1|.
      expect(worstPolar).toBeLessThanOrEqual(c.tolerance + 2e-5);
      expect(worstPolar).toBeGreaterThan(0.01); // five steps do not converge all the way, by design
    });
  }

  it('is refused by the synchronous step, and without shapes every tensor takes the Adam fallback', async () => {
    const opt = createOptimizer('muon');
    expect(opt.asynchronous).toBe(true);
    expect(() => opt.step([new Float32Array(4)], [new Float32Array(4)])).toThrow(/muon.step: .*call stepAsync/);
    // Adam's first step moves every parameter by lr (the bias-corrected m/sqrt(v) is ±1).
    const p = [Float32Array.from([1, -1, 2, 0.5])];
    await opt.stepAsync(p, [Float32Array.from([0.3, -2, 5, -0.1])]);
    expect(Array.from(p[0]!)).toEqual([1 - 3e-4, -1 + 3e-4, 2 - 3e-4, 0.5 + 3e-4].map(Math.fround));
  });

  it('leaves the classifier head to the Adam fallback, as its authors prescribe, and train() marks the head', async () => {
    const g = Float32Array.from([0.3, -2, 5, -0.1, 1, -4]);
    const opt = createOptimizer('muon');
    const [head, hidden] = opt.adopt(
      [Float32Array.from([1, -1, 2, 0.5, 0, 3]), new Float32Array(6)],
      [
        [2, 3],
        [2, 3],
      ],
      ['head', 'hidden'],
    );
    await opt.stepAsync([head!, hidden!], [g, g]);
    // Adam's first step: every parameter moves by adamLr against its gradient's sign.
    expect(Array.from(head!)).toEqual([1, -1, 2, 0.5, 0, 3].map((v, i) => Math.fround(v - Math.sign(g[i]!) * 3e-4)));
    // The hidden matrix moves by lr·O, O the orthogonalised gradient, not by ±adamLr.
    expect(Math.max(...Array.from(hidden!, Math.abs))).toBeGreaterThan(0.005);
    expect(() => opt.adopt([new Float32Array(1)], [[1]], ['head', 'head'])).toThrow(/muon.adopt: call it before the first step/);
    expect(() => createOptimizer('muon').adopt([new Float32Array(1)], [[1]], ['head', 'head'])).toThrow(/muon.adopt: 2 roles for 1 tensors/);
    const net = new Network({ kind: 'mlp', hidden: [8, 4] }, [1, 28, 28], 10);
    expect(net.params.map((p, i) => `${p.name}:${net.roles[i]}`)).toEqual([
      'dense1.weight:hidden',
      'dense1.bias:hidden',
      'dense2.weight:hidden',
      'dense2.bias:hidden',
      'dense3.weight:head',
      'dense3.bias:head',
    ]);
    const resnet = new Network({ kind: 'resnet', depth: 8 }, [1, 28, 28], 10);
    expect(resnet.params.filter((_, i) => resnet.roles[i] === 'head').map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
  });

  it('steps a matrix by lr along an orthogonalised direction: the update has spectral norm near 1, whatever the gradient scale', async () => {
    for (const scale of [1e-4, 1, 1e3]) {
      const opt = createOptimizer('muon', { lr: 0.1, nesterov: false, momentum: 0 });
      const [p] = opt.adopt([new Float32Array(12)], [[3, 4]]);
      await opt.stepAsync([p!], [Float32Array.from({ length: 12 }, (_, i) => scale * Math.sin(i + 1))]);
      // ‖Δ‖_F² = lr² Σ f(σ)²; with 3 singular values each in [0.4, 1.2].
      const norm = Math.hypot(...p!) / 0.1;
      expect(norm).toBeGreaterThan(0.4 * Math.sqrt(3));
      expect(norm).toBeLessThan(1.2 * Math.sqrt(3));
    }
  });

  it('refuses a second step while one is in flight (they share state between the stages)', async () => {
    const opt = createOptimizer('muon');
    const [p] = opt.adopt([new Float32Array(12)], [[3, 4]]);
    const g = [Float32Array.from({ length: 12 }, (_, i) => i - 5)];
    const first = opt.stepAsync([p!], g);
    await expect(opt.stepAsync([p!], g)).rejects.toThrow(/muon.stepAsync: the previous step has not finished/);
    await first;
    await opt.stepAsync([p!], g);
    expect(opt.steps).toBe(2);
  });

  it('rejects a fractional number of Newton-Schulz steps', () => {
    expect(() => createOptimizer('muon', { nsSteps: 2.5 })).toThrow(/muon: option "nsSteps" = 2.5 is invalid/);
  });
});

describe('schedule-free evaluation point', () => {
  // With r = 0, no warmup and a constant lr, c_t = 1/t, and y = (1-β)z + βx makes the update
  // x_{t+1} = (1 - c_t)·x_t + c_t·z_{t+1}: after T steps x is the plain average of z_2..z_{T+1},
  // where z_1 is the start and z_{k+1} = z_k - lr·d(y_k). Derived here from the gradients
  // alone, not from the optimizer's own state.
  for (const [name, beta] of [
    ['schedulefree_sgd', 0.9],
    ['schedulefree_adamw', 0.9],
  ] as const) {
    it(`${name}: x is the running average of the base sequence, y interpolates it`, () => {
      const opt = createOptimizer(name, { lr: 0.05 });
      const C = [1, 4, 0.25];
      const [y] = opt.adopt([Float32Array.from([1, -2, 3])]);
      const zs: number[][] = [[1, -2, 3]];
      let v = [0, 0, 0];
      for (let t = 1; t <= 30; t++) {
        const g = Float32Array.from(C, (c, i) => c * y![i]!);
        let d = Array.from(g);
        if (name === 'schedulefree_adamw') {
          v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i]! ** 2);
          d = d.map((gi, i) => gi / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8));
        }
        opt.step([y!], [g]);
        zs.push(zs.at(-1)!.map((z, i) => z - 0.05 * d[i]!));
      }
      const x = opt.evaluationParams([y!])[0]!;
      const mean = [0, 1, 2].map((i) => zs.slice(1).reduce((a, z) => a + z[i]!, 0) / 30);
      // After step T = 30, x = mean(z_2..z_31) and y = (1-β)·z_31 + β·x.
      mean.forEach((m, i) => expect(x[i]!).toBeCloseTo(m, 5));
      const z = zs[30]!;
      z.forEach((zi, i) => expect(y![i]!).toBeCloseTo((1 - beta) * zi + beta * x[i]!, 5));
      expect(x[0]).not.toBeCloseTo(y![0]!, 3);
    });
  }

  it('train() hands on x: the result, checkpoints and epochs are the evaluation point, gradients are taken at y', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const data = { images: ds.train.images.subarray(0, 192 * 784), labels: ds.train.labels.subarray(0, 192), count: 192 };
    const net = new Network({ kind: 'mlp', hidden: [8] }, ds.shape, 10);
    const checkpoints: Float32Array[][] = [];
    const result = await train(net, data, {
      seed: 3,
      epochs: 1,
      batchSize: 64,
      optimizer: 'schedulefree_sgd',
      optimizerOptions: { lr: 0.5 },
      checkpointEvery: 3,
      onCheckpoint: (_s, _e, w) => void checkpoints.push(w.map((t) => Float32Array.from(t))),
    });
    // The same steps by hand.
    const opt = createOptimizer('schedulefree_sgd', { lr: 0.5 });
    const init = net.initWeights(3);
    const params = opt.adopt(
      init,
      net.params.map((p) => p.shape),
    );
    const loader = new BatchLoader(data, 64, createRng(3, 'shuffle'));
    for (const batch of loader.epoch()) {
      const step = await net.trainStep(params, batch.x, batch.y, batch.n);
      expect(step.loss).toBeCloseTo(result.steps[opt.steps]!.loss, 6);
      opt.step(params, step.grads);
    }
    const x = opt.evaluationParams(params);
    result.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(x[i]!)));
    expect(Array.from(checkpoints[0]![0]!)).toEqual(Array.from(x[0]!));
    expect(Array.from(result.weights[0]!)).not.toEqual(Array.from(params[0]!));
  });

  it('train() re-estimates batch-norm statistics at x: training-mode passes over the statistics batches, momentum 0.1, unbiased variance', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const n = 192;
    const data = { images: ds.train.images.subarray(0, n * 784), labels: ds.train.labels.subarray(0, n), count: n };
    // Dense 784 -> 6 without bias, then batch norm: the statistics are those of W1·image.
    const net = new Network({ kind: 'mlp', hidden: [6], batchNorm: true }, ds.shape, 10);
    const result = await train(net, data, { seed: 5, epochs: 2, batchSize: 64, optimizer: 'schedulefree_adamw', optimizerOptions: { lr: 0.05 } });
    // Training by hand gives y, x and the statistics accumulated at y.
    const opt = createOptimizer('schedulefree_adamw', { lr: 0.05 });
    const init = net.initWeights(5);
    const params = opt.adopt(
      init.slice(0, net.params.length),
      net.params.map((p) => p.shape),
    );
    let buffers = init.slice(net.params.length);
    const loader = new BatchLoader(data, 64, createRng(5, 'shuffle'));
    for (let e = 0; e < 2; e++) {
      for (const batch of loader.epoch()) {
        const step = await net.trainStep([...params, ...buffers], batch.x, batch.y, batch.n);
        opt.step(params, step.grads);
        buffers = step.buffers;
      }
    }
    const x = opt.evaluationParams(params);
    x.forEach((w, i) => expect(Array.from(result.weights[i]!)).toEqual(Array.from(w)));
    // The statistics at x, from their definition: one update per batch of the statistics
    // stream (192 images: 3 batches, fewer than the 50 passes), in float64.
    const w1 = x[0]!;
    const mean = Array.from(buffers[0]!, Number);
    const variance = Array.from(buffers[1]!, Number);
    const stats = new BatchLoader(data, 64, createRng(5, 'statistics'));
    for (const batch of stats.epoch()) {
      for (let f = 0; f < 6; f++) {
        const a = Array.from({ length: batch.n }, (_, k) => w1.subarray(f * 784, (f + 1) * 784).reduce((s, wi, j) => s + wi * batch.x[k * 784 + j]!, 0));
        const mu = a.reduce((s, v) => s + v, 0) / batch.n;
        const unbiased = a.reduce((s, v) => s + (v - mu) ** 2, 0) / (batch.n - 1);
        mean[f] = 0.9 * mean[f]! + 0.1 * mu;
        variance[f] = 0.9 * variance[f]! + 0.1 * unbiased;
      }
    }
    const [gotMean, gotVar] = result.weights.slice(net.params.length);
    mean.forEach((m, f) => expect(Math.abs(gotMean![f]! - m)).toBeLessThan(1e-5 * (1 + Math.abs(m))));
    variance.forEach((v, f) => expect(Math.abs(gotVar![f]! - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
    // Not the statistics training left at y.
    expect(Array.from(gotMean!)).not.toEqual(Array.from(buffers[0]!));
  });
});

describe('adafactor', () => {
  it('factors a matrix: the first step divides each gradient by sqrt(row mean · column mean / mean of row means)', () => {
    const g = [1, 2, 3, 4, 5, 6]; // 2 x 3
    const opt = createOptimizer('adafactor', { lr: 0.01 });
    const [p] = opt.adopt([Float32Array.from([1, 1, 1, 1, 1, 1])], [[2, 3]]);
    opt.step([p!], [Float32Array.from(g)]);
    const row = [(1 + 4 + 9) / 3, (16 + 25 + 36) / 3];
    const col = [(1 + 16) / 2, (4 + 25) / 2, (9 + 36) / 2];
    const rMean = (row[0]! + row[1]!) / 2;
    const u = g.map((gi, k) => gi / Math.sqrt((row[Math.floor(k / 3)]! * col[k % 3]!) / rMean));
    const rms = Math.sqrt(u.reduce((a, b) => a + b * b, 0) / 6);
    // α = max(1e-3, RMS(p) = 1)·min(lr, 1/sqrt(1)) = 0.01; clipped by max(1, RMS(U)).
    u.forEach((ui, k) => expect(p![k]!).toBeCloseTo(1 - (0.01 * ui) / Math.max(1, rms), 6));
  });

  it('a vector, or a matrix given without its shape, is not factored', () => {
    const a = createOptimizer('adafactor');
    const b = createOptimizer('adafactor');
    const [pa] = a.adopt([Float32Array.from([1, 2, 3, 4])], [[2, 2]]);
    const [pb] = b.adopt([Float32Array.from([1, 2, 3, 4])]);
    const g = Float32Array.from([1, -3, 0.5, 2]);
    a.step([pa!], [g]);
    b.step([pb!], [g]);
    expect(Array.from(pa!)).not.toEqual(Array.from(pb!));
    // Unfactored, the first step's U is sign(g) (V = g²), so each moves by the same α/max(1, 1).
    const alpha = Math.sqrt((1 + 4 + 9 + 16) / 4) * 0.01;
    [1, 2, 3, 4].forEach((p0, i) => expect(pb![i]!).toBeCloseTo(p0 - alpha * Math.sign(g[i]!), 6));
  });

  it('checks its options', () => {
    expect(() => createOptimizer('adafactor', { beta2Decay: 0.5 })).toThrow(
      /adafactor: option "beta2Decay" = 0.5 is invalid; expected a finite number in \(-inf, 0\]/,
    );
    expect(() => createOptimizer('adafactor', { d: 0.5 })).toThrow(/option "d" = 0.5/);
  });

  it('refuses a shape that does not match its tensor', () => {
    expect(() => createOptimizer('adafactor').adopt([new Float32Array(6)], [[2, 2]])).toThrow(
      /adafactor.adopt: shape \[2, 2\] of tensor 0 holds 4 values, the tensor 6/,
    );
  });
});

describe('sophia', () => {
  it('asks for a sampled-label gradient after every k-th step, and absorbs it as h = β2·h + (1-β2)·ĝ²', () => {
    const opt = createOptimizer('sophia', { lr: 0.1, betas: [0.5, 0.75], rho: 0.5, weightDecay: 0, hessianInterval: 2 });
    const [p] = opt.adopt([Float32Array.from([1, 1, 1])]);
    const g = Float32Array.from([0.2, -0.4, 0]);
    opt.step([p!], [g]);
    expect(opt.curvatureDue).toBe(false);
    // h = 0: a sign step of lr (sign 0 stays put).
    expect(Array.from(p!)).toEqual([0.9, 1.1, 1].map(Math.fround));
    opt.step([p!], [g]);
    expect(opt.curvatureDue).toBe(true);
    opt.absorbCurvature([Float32Array.from([2, 0.1, 1])], 4);
    // h = 0.25·ĝ² = [1, 0.0025, 0.25]; m = 0.75·g; ratio = min(|m| / (ρ·B·h), 1) with ρ·B = 2.
    const before = Array.from(p!);
    opt.step([p!], [g]);
    const m = [0.2, -0.4, 0].map((x) => x * 0.875);
    const h = [1, 0.0025, 0.25];
    const expected = before.map((b, i) => b - 0.1 * Math.sign(m[i]!) * Math.min(Math.abs(m[i]!) / (2 * h[i]! + 1e-15), 1));
    p!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    expect(() => createOptimizer('adam').absorbCurvature([], 1)).toThrow(/adam.absorbCurvature: this optimizer takes no curvature estimate/);
  });

  it('through train(): one more gradient per estimate, sampled labels from the seed (the same twice), and it learns', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const data = { images: ds.train.images.subarray(0, 640 * 784), labels: ds.train.labels.subarray(0, 640), count: 640 };
    const net = new Network({ kind: 'mlp', hidden: [16] }, ds.shape, 10);
    const opts = { seed: 1, epochs: 2, batchSize: 64, optimizer: 'sophia', optimizerOptions: { lr: 3e-3, hessianInterval: 4 } };
    const a = await train(net, data, opts);
    const b = await train(net, data, opts);
    expect(a.steps).toHaveLength(20);
    expect(a.gradientEvaluations).toBe(20 + 5);
    expect(b.weights.map((w) => Array.from(w))).toEqual(a.weights.map((w) => Array.from(w)));
    const head = a.steps.slice(0, 5).reduce((s, x) => s + x.loss, 0);
    const tail = a.steps.slice(-5).reduce((s, x) => s + x.loss, 0);
    expect(tail).toBeLessThan(head * 0.8);
  });

  for (const authors of [true, false])
    it(`samples the curvature labels from the training-mode forward pass, with dropout: train() is the loop written by hand (${
      authors ? "the authors' loop: both gradients clipped to norm 1, the estimate on a fresh batch" : "no clipping, the step's own batch"
    })`, async () => {
      const ds = loadDataset('fashion-mnist-subset');
      const data = { images: ds.train.images.subarray(0, 256 * 784), labels: ds.train.labels.subarray(0, 256), count: 256 };
      const net = new Network({ kind: 'mlp', hidden: [16], dropout: 0.5 }, ds.shape, 10);
      const options = { lr: 3e-3, hessianInterval: 2, ...(authors ? {} : { gradClip: 0, freshCurvatureBatch: false }) };
      const result = await train(net, data, { seed: 2, epochs: 1, batchSize: 64, optimizer: 'sophia', optimizerOptions: options });
      // By hand: labels drawn from softmax of the logits of the training forward at the new
      // weights (inverse CDF in float64), on the step's batch and masks or on 64 examples drawn
      // uniformly with replacement from the stream (seed, "sophia-batch:t") with masks of their own.
      const opt = createOptimizer('sophia', options);
      const params = opt.adopt(
        net.initWeights(2),
        net.params.map((p) => p.shape),
      );
      const loader = new BatchLoader(data, 64, createRng(2, 'shuffle'));
      const noise = new StepNoise(net, 2, 64);
      let t = 0;
      let differs = 0;
      let clipped = 0;
      for (const batch of loader.epoch()) {
        const masks = noise.next(batch.n);
        const step = await net.trainStep(params, batch.x, batch.y, batch.n, masks);
        if (authors) clipped += clipGradNorm(step.grads, 1) > 1 ? 1 : 0;
        await opt.stepAsync(params, step.grads);
        t++;
        if (!opt.curvatureDue) continue;
        let x = batch.x;
        let n = batch.n;
        let m = masks;
        if (authors) {
          const pick = createRng(2, `sophia-batch:${t}`);
          const rows = Array.from({ length: 64 }, () => Math.floor(pick() * 256));
          x = new Float32Array(64 * 784);
          rows.forEach((r, k) => x.set(data.images.subarray(r * 784, r * 784 + 784), k * 784));
          n = 64;
          m = new StepNoise(net, 2, 64, `sophia-dropout:${t}`).next(64);
        }
        const logits = (await net.trainStep(params, x, new BigInt64Array(n), n, m)).logits;
        const evalLogits = await net.predict(params, x, n);
        differs += logits.some((v, i) => v !== evalLogits[i]) ? 1 : 0;
        const rng = createRng(2, `sophia:${t}`);
        const sampled = BigInt64Array.from({ length: n }, (_, i) => {
          const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
          const e = row.map((v) => Math.exp(v - Math.max(...row)));
          let u = rng() * e.reduce((a, b) => a + b, 0);
          let c = 0;
          while (c < 9 && u >= e[c]!) u -= e[c++]!;
          return BigInt(c);
        });
        const curvature = (await net.trainStep(params, x, sampled, n, m)).grads;
        if (authors) clipGradNorm(curvature, 1);
        opt.absorbCurvature(curvature, 64);
      }
      expect(differs, 'dropout makes the training forward differ from evaluation').toBeGreaterThan(0);
      if (authors) expect(clipped, 'some steps were clipped').toBeGreaterThan(0);
      result.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(params[i]!)));
    });
});
