// Certified bounds by CROWN (src/core/model/crown.ts; perturbations crown and crown_l2):
// - plain CROWN (tighten: false) equals a float64 PyTorch transcription of auto_LiRPA's algorithm
//   (scripts/reference/crown_reference.py) on two imported models covering conv, batch norm, max
//   and average pooling, a residual add, ReLU, tanh, sigmoid, GELU and leaky ReLU, L∞ and L2;
// - sound: on every shipped family and imported fixture, no random point of the ball (L∞ corners
//   and insides; L2 points on and inside the sphere, clipped to [0, 1]) has a margin below its bound;
// - at least as tight as IBP at every margin, and tighter on the whole;
// - certified accuracy: ibp <= crown <= accuracy under APGD-CE and Square (L∞), crown_l2 <= APGD-CE L2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import type { ModelSpec } from '../../src/core/model/families/registry.ts';
import { buildCrownGraph, type BoundNorm } from '../../src/core/model/crown.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { crown, crownL2, ibp } from '../../src/measure/perturb/certified.ts';
import { apgd, apgdL2 } from '../../src/measure/perturb/apgd.ts';
import { square } from '../../src/measure/perturb/square.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { attackInputs, attackedModel } from '../helpers/attacked-model.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'crown-reference.json'), 'utf8')) as {
  count: number;
  eps: Record<BoundNorm, number[]>;
  models: Record<string, Record<BoundNorm, Record<string, number[]>>>;
};
const ds = loadDataset('fashion-mnist-subset');
const D = 784;
const labelsOf = (n: number, start = 0) => BigInt64Array.from(ds.test.labels.subarray(start, start + n), (v) => BigInt(v));
const imported = (file: string) => new Network({ kind: 'onnx', path: join(FIXTURES, 'onnx', file) } as ModelSpec, [1, 28, 28], 10, { threads: 1 });

/** Plain CROWN (no IBP intersection, every intermediate bound by CROWN) on one example at a time. */
async function plainCrown(net: Network, norm: BoundNorm, weights: readonly Float32Array[], examples: number, eps: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(buildCrownGraph(net.model, 10, { norm, tighten: false, budget: 2 ** 27 }));
  const out = new Float32Array(examples * 10);
  for (let i = 0; i < examples; i++) out.set(await plainOne(session, net, weights, i, eps), i * 10);
  await session.release();
  return out;
}

async function plainOne(session: ort.InferenceSession, net: Network, weights: readonly Float32Array[], i: number, eps: number): Promise<Float32Array> {
  const feeds: Record<string, ort.Tensor> = {};
  [...net.params, ...net.buffers].forEach((p, k) => (feeds[p.name] = new ort.Tensor('float32', weights[k]!, p.shape as number[])));
  feeds.x = new ort.Tensor('float32', ds.test.images.slice(i * D, (i + 1) * D), [1, 1, 28, 28]);
  feeds.y = new ort.Tensor('int64', labelsOf(1, i), [1]);
  feeds.eps = new ort.Tensor('float32', Float32Array.of(eps), []);
  return (await session.run(feeds)).margin!.data as Float32Array;
}

// The first layer's coefficients of ibp-cnn are [6912, 6, 24, 24] per example: 4 of the 12 fixture examples.
const EXAMPLES = 4;

describe('crown', () => {
  for (const name of Object.keys(ref.models)) {
    it(`${name}: plain CROWN equals the float64 transcription of auto_LiRPA's algorithm, L∞ and L2`, async () => {
      const net = imported(`${name}.onnx`);
      const weights = net.initWeights(0);
      for (const norm of ['linf', 'l2'] as const)
        for (const eps of ref.eps[norm]) {
          const want = ref.models[name]![norm][String(eps)]!;
          const scale = Math.max(1, ...want.map(Math.abs));
          const got = await plainCrown(net, norm, weights, EXAMPLES, eps);
          got.forEach((v, k) => expect(Math.abs(v - want[k]!) / scale, `${norm} eps ${eps}, entry ${k}`).toBeLessThan(5e-5));
        }
      await net.release();
    }, 120_000);
  }

  const families: [string, () => Network][] = [
    ['mlp', () => new Network({ kind: 'mlp', hidden: [64, 32] }, [1, 28, 28], 10)],
    [
      'cnn',
      () =>
        new Network(
          {
            kind: 'cnn',
            convs: [
              { channels: 8, stride: 1 },
              { channels: 16, stride: 2 },
            ],
          } as ModelSpec,
          [1, 28, 28],
          10,
        ),
    ],
    ['cnn, max pooling and tanh', () => new Network({ kind: 'cnn', pool: 'max', activation: 'tanh', batchNorm: true } as ModelSpec, [1, 28, 28], 10)],
    ['lenet5', () => new Network({ kind: 'lenet5' } as ModelSpec, [1, 28, 28], 10)],
    ['resnet', () => new Network({ kind: 'resnet', depth: 8 } as ModelSpec, [1, 28, 28], 10)],
    ...['mlp.onnx', 'lenet.onnx', 'resnet-eval.onnx', 'gelu.onnx', 'ibp-cnn.onnx'].map((f): [string, () => Network] => [f, () => imported(f)]),
  ];
  for (const [name, make] of families) {
    it(`${name}: sound in both balls, and never looser than IBP`, async () => {
      const net = make();
      const weights = net.initWeights(0);
      const n = 8;
      const x = ds.test.images.subarray(0, n * D);
      const y = labelsOf(n);
      const rng = createRng(7, `crown-soundness:${name}`);
      let tighter = 0;
      let total = 0;
      for (const [eps, norm] of [
        [0.002, 'linf'],
        [0.02, 'linf'],
        [0.1, 'l2'],
        [1, 'l2'],
      ] as const) {
        const bound = await net.marginBounds(norm === 'linf' ? 'crown' : 'crown_l2', weights, x, y, n, eps);
        if (norm === 'linf') {
          const box = await net.marginBounds('ibp', weights, x, y, n, eps);
          box.forEach((b, k) => {
            expect(bound[k]!, `eps ${eps}, entry ${k}`).toBeGreaterThanOrEqual(b);
            if (bound[k]! > b + 1e-6) tighter++;
            total++;
          });
        }
        for (let t = 0; t < 32; t++) {
          const xs = new Float32Array(x.length);
          for (let i = 0; i < n; i++) {
            const row = x.subarray(i * D, (i + 1) * D);
            const out = xs.subarray(i * D, (i + 1) * D);
            if (norm === 'linf') row.forEach((v, k) => (out[k] = v + eps * (t % 2 ? (rng() < 0.5 ? -1 : 1) : 2 * rng() - 1)));
            else {
              // A Gaussian direction, on the sphere for odd t, inside it for even.
              const d = Float64Array.from(row, () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
              const r = (t % 2 ? eps : eps * rng()) / Math.hypot(...d);
              row.forEach((v, k) => (out[k] = v + d[k]! * r));
            }
            out.forEach((v, k) => (out[k] = Math.min(1, Math.max(0, v))));
          }
          const z = await net.predict(weights, xs, n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < 10; j++) {
              const margin = z[i * 10 + Number(y[i])]! - z[i * 10 + j]!;
              const scale = Math.max(1, Math.abs(z[i * 10 + j]!));
              expect(margin, `${norm} eps ${eps}, example ${i}, class ${j}`).toBeGreaterThanOrEqual(bound[i * 10 + j]! - 1e-5 * scale);
            }
        }
      }
      // Tighter on the whole: every margin but the zero ones (j = y) at least.
      expect(tighter).toBeGreaterThanOrEqual(total * 0.8);
      await net.release();
    }, 120_000);
  }

  it('certified accuracy: ibp <= crown <= APGD-CE and Square (L∞); crown_l2 <= APGD-CE L2; eps 0 certifies the correct examples', async () => {
    const m = await attackedModel();
    const { test, input, certified: rate } = attackInputs(m, 100);
    const acc = async (images: Float32Array) => (await evaluate(m.net, m.weights, test, images)).accuracy;
    const clean = (await evaluate(m.net, m.weights, test)).accuracy;
    expect([await rate(crown, 0), await rate(crownL2, 0)]).toEqual([clean, clean]);
    let gained = 0;
    for (const eps of [0.003, 0.01, 0.03]) {
      const [i, c] = [await rate(ibp, eps), await rate(crown, eps)];
      expect(c).toBeGreaterThanOrEqual(i);
      gained += c - i;
      for (const attack of [apgd, square]) expect(c).toBeLessThanOrEqual(await acc(await attack.apply(input(eps), eps)));
    }
    // Not vacuous: CROWN proves more than IBP here.
    expect(gained).toBeGreaterThan(0.05);
    for (const eps of [0.1, 0.3]) expect(await rate(crownL2, eps)).toBeLessThanOrEqual(await acc(await apgdL2.apply(input(eps), eps)));
    expect(await rate(crownL2, 0.1)).toBeGreaterThan(0.3);
  }, 240_000);
});
