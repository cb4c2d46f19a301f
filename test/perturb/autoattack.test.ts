// The AutoAttack family (src/measure/perturb/{apgd,fab,square,autoattack}.ts) against AutoAttack's
// own code (scripts/reference/autoattack/, run by scripts/reference/autoattack_reference.py on
// the model of test/helpers/attacked-model.ts; fixture test/fixtures/autoattack-reference.json):
// the logit losses' input gradients to float32 rounding; FAB-T, which draws nothing, leaving
// exactly the reference's examples robust; the random attacks' robust accuracy within the
// reference's spread over seeds (at least one point: 3 of 300 examples). The full ensemble on
// all 300 images takes a minute a norm: OPTROBUST_SLOW=1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { attackedModel, type AttackedModel } from '../helpers/attacked-model.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { LOGIT_LOSSES, type LogitLossName } from '../../src/core/model/logit-loss.ts';
import { apgdDlr, apgdDlrL2, apgdT, apgdTL2 } from '../../src/measure/perturb/apgd.ts';
import { square, squareL2 } from '../../src/measure/perturb/square.ts';
import { fabAttack } from '../../src/measure/perturb/fab.ts';
import { autoattack, autoattackL2 } from '../../src/measure/perturb/autoattack.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { argmaxCorrect } from '../../src/measure/perturb/logits.ts';
import type { Perturbation } from '../../src/measure/perturb/perturbation.ts';

interface Reference {
  readonly clean: number;
  readonly config: { readonly count: number; readonly eps: { readonly Linf: number; readonly L2: number } };
  readonly gradients: Record<LogitLossName, { readonly loss: number[]; readonly dx: number[] }> & { readonly target: number[] };
  readonly accuracy: Record<'Linf' | 'L2', Record<string, number[]> & { readonly 'fab-t-robust': number[] }>;
}
const ref: Reference = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'autoattack-reference.json'), 'utf8'));
const slow = process.env.OPTROBUST_SLOW === '1';

let m: AttackedModel;
beforeAll(async () => {
  m = await attackedModel();
}, 120_000);

/** Within the reference's range over seeds, widened to at least one point either side of its mean. */
function expectNear(ours: number, reference: readonly number[]): void {
  const mean = reference.reduce((a, b) => a + b, 0) / reference.length;
  const half = Math.max((Math.max(...reference) - Math.min(...reference)) / 2, 0.01);
  expect(Math.abs(ours - mean)).toBeLessThanOrEqual(half + 1e-9);
}

describe('autoattack family against AutoAttack', () => {
  it('the model and test images are the reference run', () => {
    expect(m.test.count).toBe(ref.config.count);
    expect(m.clean).toBeCloseTo(ref.clean, 6);
  });

  for (const loss of ['dlr', 'dlr_targeted', 'margin'] as const) {
    it(`${loss}: each example's input gradient and loss as AutoAttack's, by autograd`, async () => {
      const n = 10;
      const x = m.test.images.subarray(0, n * 784);
      const y = m.test.labels.subarray(0, n);
      const targets = Uint8Array.from(ref.gradients.target);
      const r = await gradientOracle(m.net, m.weights).lossGrad!(loss, x, y, n, targets);
      const want = ref.gradients[loss];
      const scale = Math.max(...want.dx.map(Math.abs));
      let worst = 0;
      r.dx.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want.dx[i]!))));
      expect(worst / scale).toBeLessThan(1e-5);
      for (let i = 0; i < n; i++) expect(LOGIT_LOSSES[loss].value(r.logits, 10, i, y[i]!, targets[i]!)).toBeCloseTo(want.loss[i]!, 5);
    });
  }

  for (const [kind, norm] of [
    ['linf', 'Linf'],
    ['l2', 'L2'],
  ] as const) {
    it(`fab_t (${kind}): deterministic, it leaves exactly the reference's examples robust (first 40 images)`, async () => {
      const n = 40;
      const test = { images: m.test.images.subarray(0, n * 784), labels: m.test.labels.subarray(0, n), count: n };
      const eps = ref.config.eps[norm];
      const input = { ...test, shape: [1, 28, 28] as const, rng: createRng(0, 'unused'), gradient: gradientOracle(m.net, m.weights) };
      const adv = await fabAttack({ norm: kind }, input, eps);
      const robust = argmaxCorrect(await m.net.predict(m.weights, adv, n), test.labels, n);
      expect(Array.from(robust)).toEqual(ref.accuracy[norm]['fab-t-robust'].slice(0, n));
    });

    const attacks: [string, Perturbation][] =
      kind === 'linf'
        ? [
            ['apgd-t', apgdT],
            ['apgd-dlr', apgdDlr],
            ['square', square],
          ]
        : [
            ['apgd-t', apgdTL2],
            ['apgd-dlr', apgdDlrL2],
            ['square', squareL2],
          ];
    for (const [name, p] of attacks) {
      it(`${p.name}: robust accuracy on 300 images within the reference's spread over seeds`, async () => {
        expectNear(await m.accuracy(p, ref.config.eps[norm]), ref.accuracy[norm][name]!);
      });
    }

    it.runIf(slow)(`${kind === 'linf' ? 'autoattack' : 'autoattack_l2'}: the standard ensemble's robust accuracy as AutoAttack's`, async () => {
      const p = kind === 'linf' ? autoattack : autoattackL2;
      const acc = await m.accuracy(p, ref.config.eps[norm]);
      expectNear(acc, ref.accuracy[norm].standard!);
      // The worst case over its attacks: never above any one of them as AutoAttack measures it.
      for (const name of ['apgd-ce', 'apgd-t', 'fab-t', 'square']) expect(acc).toBeLessThanOrEqual(Math.min(...ref.accuracy[norm][name]!) + 0.01);
    });
  }

  it('autoattack on 40 images: at most each attack alone, and which attack broke each example', async () => {
    const n = 40;
    const test = { images: m.test.images.subarray(0, n * 784), labels: m.test.labels.subarray(0, n), count: n };
    const acc = async (p: Perturbation) => {
      const adv = await p.apply({ ...test, shape: [1, 28, 28], rng: createRng(0, `perturb:${p.name}`), gradient: gradientOracle(m.net, m.weights) }, 0.05);
      return (await evaluate(m.net, m.weights, test, adv)).accuracy;
    };
    const ensemble = await acc(autoattack);
    expect(ensemble).toBeLessThanOrEqual((await evaluate(m.net, m.weights, test)).accuracy);
    for (const p of [apgdT, square]) expect(ensemble).toBeLessThanOrEqual(await acc(p));
    // Which attack broke each example: its point is misclassified exactly when one did.
    const { images, brokenBy } = await autoattack.applyStaged!(
      { ...test, shape: [1, 28, 28], rng: createRng(0, 'perturb:autoattack'), gradient: gradientOracle(m.net, m.weights) },
      0.05,
    );
    const clean = argmaxCorrect(await m.net.predict(m.weights, test.images, n), test.labels, n);
    const after = argmaxCorrect(await m.net.predict(m.weights, images, n), test.labels, n);
    brokenBy.forEach((b, i) => expect([b, after[i]], `example ${i}`).toEqual(b === -2 ? [-2, clean[i]] : [b, b === -1 ? 1 : 0]));
    expect(brokenBy.filter((b) => b >= 0).length).toBeGreaterThan(0);
    expect(autoattack.stages).toEqual(['apgd-ce', 'apgd-t', 'fab-t', 'square']);
  }, 120_000);
});
