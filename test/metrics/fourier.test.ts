// Fourier heat maps (src/measure/metrics/fourier-heatmap.ts, src/present/report/fourier.ts) against their
// definition (Yin et al. 2019): each basis image has unit L2 norm and, by a textbook DFT,
// energy only at its frequency and the mirror one; each map entry is the error under
// x ± eps·U with the seed's signs, built here independently; the map is symmetric under
// (u, v) -> (-u, -v); band errors, fourier.csv and the report section from a real run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bandError, fourierBasis, fourierHeatMap, type FourierHeatMap } from '../../src/measure/metrics/fourier-heatmap.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { smallRun } from '../helpers/small-run.ts';
import { dftPower } from '../helpers/textbook-dft.ts';
import { expectEvery } from '../helpers/expect-every.ts';

describe('fourier basis', () => {
  const [h, w] = [8, 6];
  for (const [u, v] of [
    [0, 0],
    [1, 2],
    [4, 3],
    [7, 5],
    [4, 0],
  ]) {
    it(`(${u}, ${v}) on ${h} x ${w}: unit norm, energy only at (u, v) and (-u, -v)`, () => {
      const b = fourierBasis(u!, v!, h, w);
      expect(Math.hypot(...b)).toBeCloseTo(1, 12);
      const e = dftPower(b, h, w);
      const at = new Set([u! * w + v!, ((h - u!) % h) * w + ((w - v!) % w)]);
      e.forEach((x, k) => (at.has(k) ? expect(x).toBeGreaterThan(0.1) : expect(x).toBeLessThan(1e-20)));
    });
  }
});

describe('fourier heat map', () => {
  it('is the error under x ± eps·U per frequency, symmetric, in [0, 1], and the same twice', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const data = { images: ds.train.images.subarray(0, 512 * 784), labels: ds.train.labels.subarray(0, 512), count: 512 };
    const net = new Network({ kind: 'mlp', hidden: [16] }, ds.shape, 10);
    const { weights } = await train(net, data, { seed: 0, epochs: 2, batchSize: 64, optimizer: 'adam', optimizerOptions: { lr: 3e-3 } });
    const test = { images: ds.test.images.subarray(0, 40 * 784), labels: ds.test.labels.subarray(0, 40), count: 40 };
    const map = await fourierHeatMap(net, weights, test, ds.shape, 7, { eps: 4, examples: 40 });
    expect([map.height, map.width, map.examples, map.error.length]).toEqual([28, 28, 40, 784]);
    expectEvery(map.error, (e) => e >= 0 && e <= 1);
    for (let row = 1; row < 28; row++) for (let col = 1; col < 28; col++) expect(map.error[row * 28 + col]).toBe(map.error[(28 - row) * 28 + (28 - col)]);
    // Vertical frequency 3, horizontal -5: centred row 14 + 3, column 14 - 5; built by hand.
    const rng = createRng(7, 'fourier');
    const signs = Array.from({ length: 40 }, () => (rng() < 0.5 ? -1 : 1));
    const basis = Array.from({ length: 784 }, (_, k) => Math.cos(2 * Math.PI * ((3 * Math.floor(k / 28)) / 28 + (-5 * (k % 28)) / 28)));
    const norm = Math.hypot(...basis);
    const x = Float32Array.from(test.images, (p, k) => Math.min(1, Math.max(0, p + (signs[Math.floor(k / 784)]! * 4 * basis[k % 784]!) / norm)));
    expect(map.error[17 * 28 + 9]).toBeCloseTo(1 - (await evaluate(net, weights, test, x)).accuracy, 10);
    const again = await fourierHeatMap(net, weights, test, ds.shape, 7, { eps: 4, examples: 40 });
    expect(again.error).toEqual(map.error);
  });

  it('averages bands by max-norm distance from the centre', () => {
    // 4 x 4, centre (2, 2): distance ≤ 1 is the 3 x 3 block around it.
    const error = Array.from({ length: 16 }, (_, k) => (Math.max(Math.abs(Math.floor(k / 4) - 2), Math.abs((k % 4) - 2)) <= 1 ? 0.1 : 0.9));
    const map: FourierHeatMap = { eps: 1, examples: 1, height: 4, width: 4, error };
    expect(bandError(map, 1, false)).toBeCloseTo(0.1, 12);
    expect(bandError(map, 1, true)).toBeCloseTo(0.9, 12);
  });

  it('is a suite option, checked field by field', () => {
    const base = {
      name: 't',
      description: '',
      dataset: 'fashion-mnist-subset',
      model: { kind: 'mlp', hidden: [8] },
      batchSize: 64,
      epochs: 1,
      seeds: [0],
      optimizers: [{ name: 'sgd', options: { lr: 0.1 } }],
      perturbations: {},
    } as const;
    expect(() => defineSuite({ ...base, fourier: { eps: 0 } })).toThrow(/fourier.eps = 0; expected a number in \(0, 100\]/);
    expect(() => defineSuite({ ...base, fourier: { norm: 2 } as never })).toThrow(/fourier.norm = 2; expected no such option/);
  });

  it('a run with `fourier` writes fourier.csv (every cell x frequency), the low/high band errors and the report section', async () => {
    const { dir } = await smallRun({ fourier: { eps: 3, examples: 30 }, seeds: [0], perturbations: { gaussian_noise: [0.1] } });
    const csv = readFileSync(join(dir, 'fourier.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('model,regime,optimizer,seed,eps,examples,freq_v,freq_h,error');
    expect(csv).toHaveLength(1 + 2 * 784);
    expect(csv[1]).toMatch(/^mlp\[16\],standard,sgd,0,3,30,-14,-14,/);
    const results = readFileSync(join(dir, 'results.csv'), 'utf8');
    expect(results).toMatch(/,clean,0,fourier_low_error,/);
    expect(results).toMatch(/,clean,0,fourier_high_error,/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Fourier heat maps</h2>');
    expect((html.match(/<figure class="fourier">/g) ?? []).length).toBe(2);
  });
});
