// BulkRng's normals (the ziggurat): the distribution is N(0, 1), checked against the normal
// CDF by Kolmogorov-Smirnov, in the tail the ziggurat handles separately (|z| > R), and by
// moments; draws are a pure function of the stream.
import { describe, expect, it } from 'vitest';
import { BulkRng } from '../../src/core/util/bulk-rng.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { normalCdf } from '../../src/measure/metrics/power.ts';

/** Φ(x): the library's (power.ts, Numerical Recipes' erfcc, |error| < 1.2e-7 everywhere; checked against known values in power.test.ts). */
const phi = normalCdf;

const N = 1_000_000;
const draws = new Float64Array(N);
new BulkRng(7, 'test:normal').fillNormal(draws);

describe('BulkRng.fillNormal', () => {
  it('is N(0, 1) by Kolmogorov-Smirnov (D below the 0.1% critical value 1.949/sqrt(n))', () => {
    const sorted = Float64Array.from(draws).sort();
    let d = 0;
    for (let i = 0; i < N; i++) {
      const f = phi(sorted[i]!);
      d = Math.max(d, Math.abs(f - i / N), Math.abs((i + 1) / N - f));
    }
    expect(d).toBeLessThan(1.949 / Math.sqrt(N));
  });

  it('puts the normal mass beyond the base layer edge R = 3.4426 (the tail algorithm), within 5 standard errors', () => {
    const p = 2 * (1 - phi(3.442619855899));
    const tail = draws.filter((z) => Math.abs(z) > 3.442619855899).length;
    expect(Math.abs(tail - N * p)).toBeLessThan(5 * Math.sqrt(N * p * (1 - p)));
    expect(draws.some((z) => z > 4.5) && draws.some((z) => z < -4.5)).toBe(true);
  });

  it('has mean 0, variance 1 and kurtosis 3 within sampling error', () => {
    let m = 0;
    for (const z of draws) m += z;
    m /= N;
    let v = 0;
    let k = 0;
    for (const z of draws) {
      v += (z - m) ** 2;
      k += (z - m) ** 4;
    }
    v /= N;
    k /= N * v * v;
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(Math.abs(k - 3)).toBeLessThan(5 * Math.sqrt(24 / N));
  });

  it('is a pure function of the stream, whether drawn at once or in parts', () => {
    const a = new Float64Array(1000);
    new BulkRng(3, 'p').fillNormal(a);
    const b = new BulkRng(3, 'p');
    const first = new Float64Array(400);
    const rest = new Float64Array(600);
    b.fillNormal(first);
    b.fillNormal(rest);
    expect([...first, ...rest]).toEqual([...a]);
    const c = new Float64Array(1000);
    new BulkRng(createRng(3, 'p')).fillNormal(c);
    expect(Array.from(c)).toEqual(Array.from(a));
  });
});
