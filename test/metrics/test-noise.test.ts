// The test set's share of a difference's uncertainty (test-noise.ts): outcomes packed and
// unpacked exactly; the standard error by hand on a small case; with known truth (a population
// of examples, test sets drawn from it), an interval over seeds and test set covers the
// population's difference as often as it says, where the seeds' own interval (identical
// seeds) never does; summary.csv's two columns recomputed from cells.jsonl independently.
import { describe, expect, it } from 'vitest';
import { packBits, testSetError, unpackBits } from '../../src/measure/metrics/test-noise.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { tQuantile } from '../../src/measure/metrics/stats.ts';
import { read } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { csvRows } from '../helpers/csv-rows.ts';

describe('per-example outcomes and the test-set error', () => {
  it('packs and unpacks any number of outcomes exactly', () => {
    const rng = createRng(1, 'bits');
    for (const n of [1, 7, 8, 9, 200, 2001]) {
      const bits = Uint8Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0));
      expect(unpackBits(packBits(bits), n)).toEqual(bits);
    }
  });

  it('is the standard error of the per-example mean difference, by hand', () => {
    // Two seeds, four examples. Arm: [1,1,0,1], [1,0,0,1]; reference: [1,0,0,0], [0,0,1,1].
    // Per example over seeds: e = [(0+1)/2, (1+0)/2, (0-1)/2, (1+0)/2] = [0.5, 0.5, -0.5, 0.5];
    // mean 0.25, sample variance ((0.25^2)*3 + 0.75^2)/3 = 0.25, SE = sqrt(0.25/4) = 0.25.
    const arm = [Uint8Array.from([1, 1, 0, 1]), Uint8Array.from([1, 0, 0, 1])];
    const reference = [Uint8Array.from([1, 0, 0, 0]), Uint8Array.from([0, 0, 1, 1])];
    expect(testSetError(arm, reference)).toBeCloseTo(0.25, 12);
    expect(testSetError([], [])).toBeNaN();
  });

  it('with known truth: seeds plus test set cover the population difference at the nominal rate; the seeds alone do not', () => {
    // A population of 100,000 examples; each model answers each example the same way whatever its seed.
    const rng = createRng(7, 'population');
    const size = 100_000;
    const arm = Uint8Array.from({ length: size }, () => (rng() < 0.8 ? 1 : 0));
    const reference = Uint8Array.from(arm, (a) => (rng() < 0.15 ? 1 - a : a));
    const truth = (arm.reduce((s, v) => s + v, 0) - reference.reduce((s, v) => s + v, 0)) / size;
    const studies = 2000;
    const n = 400;
    let both = 0;
    let seedsOnly = 0;
    for (let k = 0; k < studies; k++) {
      const pick = Array.from({ length: n }, () => Math.floor(rng() * size));
      const a = Uint8Array.from(pick, (i) => arm[i]!);
      const r = Uint8Array.from(pick, (i) => reference[i]!);
      const diff = (a.reduce((s, v) => s + v, 0) - r.reduce((s, v) => s + v, 0)) / n;
      // Three identical seeds: their differences do not spread, so the seeds' standard error (and interval) is 0.
      const seSeeds = 0;
      const seTest = testSetError([a, a, a], [r, r, r]);
      if (Math.abs(diff - truth) <= 1.96 * Math.sqrt(seSeeds ** 2 + seTest ** 2)) both++;
      if (Math.abs(diff - truth) <= tQuantile(0.975, 2) * seSeeds) seedsOnly++;
    }
    // 95% within three binomial standard errors of 2,000 studies.
    expect(Math.abs(both / studies - 0.95)).toBeLessThan(3 * Math.sqrt((0.95 * 0.05) / studies));
    expect(seedsOnly / studies).toBeLessThan(0.1);
  });

  it("summary.csv: the seeds' and the test set's standard errors of each accuracy difference, recomputed from cells.jsonl", async () => {
    const { dir } = await smallRun({ seeds: [0, 1, 2] });
    const rows = csvRows(dir, 'summary.csv');
    type Point = { perturbation: string; severity: number; outcomes: string };
    const cells = read(dir, 'cells.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { phase: string; key: { optimizer: string; seed: number }; result: { eval: Point[] } })
      .filter((c) => c.phase === 'main');
    // Bits read here without the library: 200 test examples, the first in the lowest bit of the first byte.
    const bits = (b64: string) => Array.from({ length: 200 }, (_, i) => (Buffer.from(b64, 'base64')[i >> 3]! >> (i & 7)) & 1);
    const outcomes = (optimizer: string, seed: number, p: string, severity: number) =>
      bits(
        cells.find((c) => c.key.optimizer === optimizer && c.key.seed === seed)!.result.eval.find((x) => x.perturbation === p && x.severity === severity)!
          .outcomes,
      );
    const accuracy = rows.filter((r) => r.metric === 'accuracy' && r.optimizer === 'adam');
    expect(accuracy).toHaveLength(5);
    for (const r of accuracy) {
      const severity = Number(r.severity);
      const e = Array.from({ length: 200 }, (_, i) => {
        let sum = 0;
        for (const seed of [0, 1, 2]) sum += outcomes('adam', seed, r.perturbation!, severity)[i]! - outcomes('sgd', seed, r.perturbation!, severity)[i]!;
        return sum / 3;
      });
      const mean = e.reduce((s, v) => s + v, 0) / 200;
      const se = Math.sqrt(e.reduce((s, v) => s + (v - mean) ** 2, 0) / 199 / 200);
      expect(Number(r.diff_se_test)).toBeCloseTo(se, 6);
      // The per-example mean difference is the accuracy difference itself.
      expect(mean).toBeCloseTo(Number(r.diff), 6);
      // The seeds' SE: the interval's half-width over t(0.975, 2).
      expect(Number(r.diff_se_seeds)).toBeCloseTo((Number(r.diff_ci95_high) - Number(r.diff_ci95_low)) / 2 / tQuantile(0.975, 2), 6);
    }
    // accuracy_auc: per example, the trapezoid under its own outcomes (clean at severity 0) over the severity range.
    const sweeps: Record<string, number[]> = { gaussian_noise: [0.1, 0.3], fgsm: [0.05], rotation: [30] };
    const area = (xs: number[], ys: number[]) => xs.slice(1).reduce((a, x, k) => a + ((ys[k]! + ys[k + 1]!) / 2) * (x - xs[k]!), 0) / xs.at(-1)!;
    for (const [p, sev] of Object.entries(sweeps)) {
      const r = rows.find((x) => x.metric === 'accuracy_auc' && x.optimizer === 'adam' && x.perturbation === p)!;
      const auc = (optimizer: string, seed: number) => {
        const clean = outcomes(optimizer, seed, 'clean', 0);
        const at = sev.map((s) => outcomes(optimizer, seed, p, s));
        return clean.map((c, i) => area([0, ...sev], [c, ...at.map((o) => o[i]!)]));
      };
      const e = Array.from({ length: 200 }, (_, i) => [0, 1, 2].reduce((sum, seed) => sum + auc('adam', seed)[i]! - auc('sgd', seed)[i]!, 0) / 3);
      const mean = e.reduce((s, v) => s + v, 0) / 200;
      expect(mean).toBeCloseTo(Number(r.diff), 6);
      expect(Number(r.diff_se_test)).toBeCloseTo(Math.sqrt(e.reduce((s, v) => s + (v - mean) ** 2, 0) / 199 / 200), 6);
    }
    expect(rows.find((r) => r.metric === 'loss' && r.optimizer === 'adam')!.diff_se_test).toBe('');
  }, 300_000);
});
