// Certified bounds by interval bound propagation (src/core/model/ibp.ts, src/measure/perturb/certified.ts):
// - the margins equal plain interval arithmetic in float64 PyTorch (lower/upper form, not
//   optrobust's centre/radius form; scripts/reference/ibp_reference.py) on two imported models
//   covering conv, batch norm, max and average pooling, a residual add, tanh, sigmoid, GELU and
//   leaky ReLU, to float32 rounding;
// - sound: on every shipped family and every imported fixture, no point of the ball (thousands
//   of random points, corners included) has a margin below its bound;
// - certified accuracy <= accuracy under attack (APGD-CE and Square) <= clean; at eps 0 it is the
//   clean accuracy; it never grows with eps; and with OPTROBUST_SLOW=1, on a trained model of
//   every family and a PyTorch-trained imported LeNet: ibp <= crown <= AutoAttack <= APGD-CE <= clean.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/core/model/network.ts';
import type { ModelSpec } from '../../src/core/model/families/registry.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { crown, ibp } from '../../src/measure/perturb/certified.ts';
import { apgd } from '../../src/measure/perturb/apgd.ts';
import { square } from '../../src/measure/perturb/square.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { attackInputs, attackedModel } from '../helpers/attacked-model.ts';
import { autoattack } from '../../src/measure/perturb/autoattack.ts';
import { train } from '../../src/run/train/train.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'ibp-reference.json'), 'utf8')) as {
  count: number;
  eps: number[];
  models: Record<string, { logits: number[]; margins: Record<string, number[]> }>;
};
const ds = loadDataset('fashion-mnist-subset');
const D = 784;
const labelsOf = (n: number) => BigInt64Array.from(ds.test.labels.subarray(0, n), (v) => BigInt(v));
const imported = (file: string) => new Network({ kind: 'onnx', path: join(FIXTURES, 'onnx', file) } as ModelSpec, [1, 28, 28], 10, { threads: 1 });

describe('ibp', () => {
  for (const name of Object.keys(ref.models)) {
    it(`${name}: the margin bounds of float64 interval arithmetic in PyTorch, to float32 rounding`, async () => {
      const net = imported(`${name}.onnx`);
      const weights = net.initWeights(0);
      const n = ref.count;
      const x = ds.test.images.subarray(0, n * D);
      const logits = await net.predict(weights, x, n);
      logits.forEach((v, i) => expect(v).toBeCloseTo(ref.models[name]!.logits[i]!, 4));
      for (const eps of ref.eps) {
        const want = ref.models[name]!.margins[String(eps)]!;
        const got = await net.marginBounds('ibp', weights, x, labelsOf(n), n, eps);
        const scale = Math.max(1, ...want.map(Math.abs));
        got.forEach((v, i) => expect(Math.abs(v - want[i]!) / scale, `eps ${eps}, entry ${i}`).toBeLessThan(2e-5));
      }
      await net.release();
    });
  }

  const families: [string, () => Network][] = [
    ['mlp', () => new Network({ kind: 'mlp', hidden: [64, 32] }, [1, 28, 28], 10)],
    ['cnn', () => new Network({ kind: 'cnn' } as ModelSpec, [1, 28, 28], 10)],
    ['lenet5', () => new Network({ kind: 'lenet5' } as ModelSpec, [1, 28, 28], 10)],
    ['resnet', () => new Network({ kind: 'resnet', depth: 8 } as ModelSpec, [1, 28, 28], 10)],
    ...['mlp.onnx', 'lenet.onnx', 'resnet-eval.onnx', 'gelu.onnx', 'ibp-cnn.onnx'].map((f): [string, () => Network] => [f, () => imported(f)]),
  ];
  for (const [name, make] of families) {
    it(`${name}: sound: no random point of the ball (corners included) has a margin below its bound`, async () => {
      const net = make();
      const weights = net.initWeights(0);
      const n = 16;
      const x = ds.test.images.subarray(0, n * D);
      const y = labelsOf(n);
      const rng = createRng(5, `ibp-soundness:${name}`);
      for (const eps of [0.002, 0.02, 0.1]) {
        const bound = await net.marginBounds('ibp', weights, x, y, n, eps);
        let checked = 0;
        for (let t = 0; t < 64; t++) {
          // Half the draws at corners of the box (where linear pieces peak), half inside.
          const xs = Float32Array.from(x, (v) => Math.min(1, Math.max(0, v + eps * (t % 2 ? (rng() < 0.5 ? -1 : 1) : 2 * rng() - 1))));
          const z = await net.predict(weights, xs, n);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < 10; j++) {
              const margin = z[i * 10 + Number(y[i])]! - z[i * 10 + j]!;
              const scale = Math.max(1, Math.abs(z[i * 10 + j]!));
              expect(margin, `eps ${eps}, example ${i}, class ${j}`).toBeGreaterThanOrEqual(bound[i * 10 + j]! - 1e-5 * scale);
              checked++;
            }
        }
        expect(checked).toBe(64 * n * 10);
      }
      await net.release();
    });
  }

  it('certified <= attacked (APGD-CE, Square) <= clean per eps; eps 0 certifies the correct examples; never growing with eps', async () => {
    const m = await attackedModel();
    const { test, input, certified: rate } = attackInputs(m, 100);
    const certified = (eps: number) => rate(ibp, eps);
    const clean = (await evaluate(m.net, m.weights, test)).accuracy;
    expect(await certified(0)).toBe(clean);
    let previous = clean;
    for (const eps of [0.001, 0.003, 0.01, 0.03]) {
      const c = await certified(eps);
      expect(c).toBeLessThanOrEqual(previous);
      previous = c;
      for (const attack of [apgd, square])
        expect(c).toBeLessThanOrEqual((await evaluate(m.net, m.weights, test, await attack.apply(input(eps), eps))).accuracy);
    }
    // Not vacuous: the bounds prove something at a small radius.
    expect(await certified(0.001)).toBeGreaterThan(0.3);
  }, 120_000);

  const trained: [string, () => Promise<{ net: Network; weights: Float32Array[] }>][] = [
    ...(['mlp', 'cnn', 'lenet5', 'resnet'] as const).map((kind): [string, () => Promise<{ net: Network; weights: Float32Array[] }>] => [
      kind,
      async () => {
        const spec = (kind === 'mlp' ? { kind, hidden: [64] } : kind === 'resnet' ? { kind, depth: 8 } : { kind }) as ModelSpec;
        const net = new Network(spec, [1, 28, 28], 10);
        const data = { images: ds.train.images.subarray(0, 1024 * D), labels: ds.train.labels.subarray(0, 1024), count: 1024 };
        // The ResNet's batch-norm statistics need more steps than one epoch of 1,024 images.
        const epochs = kind === 'resnet' ? 4 : 1;
        const { weights } = await train(net, data, { seed: 0, epochs, batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 2e-3 } });
        return { net, weights };
      },
    ]),
    [
      'trained-lenet.onnx',
      async () => {
        const spec = { kind: 'onnx', path: join(FIXTURES, 'onnx', 'trained-lenet.onnx'), preprocess: { mean: [0.286], std: [0.353] } } as ModelSpec;
        const net = new Network(spec, [1, 28, 28], 10);
        return { net, weights: net.initWeights(0) };
      },
    ],
  ];
  for (const [name, make] of trained) {
    it.runIf(process.env.OPTROBUST_SLOW === '1')(
      `${name}, trained: certified (ibp <= crown) <= AutoAttack <= APGD-CE <= clean at every eps`,
      async () => {
        const { net, weights } = await make();
        const n = 60;
        const test = { images: ds.test.images.subarray(0, n * D), labels: ds.test.labels.subarray(0, n), count: n };
        const input = (eps: number) => ({
          ...test,
          shape: [1, 28, 28] as const,
          rng: createRng(0, `perturb:x:${eps}`),
          gradient: gradientOracle(net, weights),
        });
        const acc = async (images?: Float32Array) => (await evaluate(net, weights, test, images)).accuracy;
        const clean = await acc();
        expect(clean).toBeGreaterThan(0.3);
        for (const eps of [0.003, 0.01, 0.03]) {
          const certified = (await ibp.certify!(input(eps), eps)).reduce((a, b) => a + b, 0) / n;
          const linear = (await crown.certify!(input(eps), eps)).reduce((a, b) => a + b, 0) / n;
          const aa = await acc(await autoattack.apply(input(eps), eps));
          const pgdLike = await acc(await apgd.apply(input(eps), eps));
          const order = [certified <= linear, linear <= aa, aa <= pgdLike, pgdLike <= clean];
          expect(order, `eps ${eps}: ibp ${certified} crown ${linear} autoattack ${aa} apgd ${pgdLike} clean ${clean}`).toEqual([true, true, true, true]);
        }
        await net.release();
      },
      600_000,
    );
  }
});
