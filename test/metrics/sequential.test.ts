// The sequential seed procedure against known truth, by simulation: paired differences drawn
// from a normal distribution of chosen mean, the procedure run look by look as --seeds auto
// runs it. Its interval at the stopping look covers the true mean at least at the nominal
// level, it declares a difference that is not there at most at the nominal rate, and a naive
// procedure (a 95% interval at every look) does not: the simulation can tell them apart.
import { describe, expect, it } from 'vitest';
import { lookInterval, lookLevels, looks, sequentialSeeds, spent } from '../../src/measure/metrics/sequential.ts';
import { createRng } from '../../src/core/util/rng.ts';

function normals(seed: number): () => number {
  const u = createRng(seed, 'sequential-simulation');
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const O = { min: 3, max: 12, round: 1, alpha: 0.05, delta: 0.02 };

/** `runs` simulated runs of comparisons with true mean differences `mus` and spread `sd`. */
function simulate(mus: readonly number[], sd: number, runs: number, procedure: typeof sequentialSeeds = sequentialSeeds) {
  const z = normals(mus.length * 1000 + Math.round(sd * 1e4));
  let covered = 0;
  let differ = 0;
  let seeds = 0;
  for (let r = 0; r < runs; r++) {
    const draws = mus.map((mu) => Array.from({ length: O.max }, () => mu + sd * z()));
    const out = procedure(O, (n) => draws.map((d) => d.slice(0, n)));
    seeds += out.seeds;
    out.intervals.forEach((i, c) => {
      if (i.low <= mus[c]! && mus[c]! <= i.high) covered++;
      if (i.decision === 'differ') differ++;
    });
  }
  return { coverage: covered / (runs * mus.length), differ: differ / (runs * mus.length), seeds: seeds / runs };
}

/** The naive procedure: the same looks and stopping rule, a 95% interval at every look. */
const naive: typeof sequentialSeeds = (o, differences) => {
  let intervals: ReturnType<typeof lookInterval>[] = [];
  const sizes = looks(o.min, o.max, o.round);
  for (const [k, n] of sizes.entries()) {
    intervals = differences(n)!.map((d) => lookInterval(d, o.alpha, o.delta));
    if (k === sizes.length - 1 || intervals.every((i) => i.decision !== 'undecided')) return { stoppedAt: n, seeds: n, intervals };
  }
  throw new Error('unreachable');
};

describe('alpha spending', () => {
  it('spends alpha in total, more at each look as information accrues (Pocock-type)', () => {
    expect(spent(1, 0.05)).toBeCloseTo(0.05, 15);
    expect(spent(0, 0.05)).toBe(0);
    const levels = lookLevels(looks(3, 12, 1), 0.05);
    expect(levels).toHaveLength(10);
    expect(levels.reduce((a, b) => a + b, 0)).toBeCloseTo(0.05, 15);
    for (const l of levels) expect(l).toBeGreaterThan(0);
    expect(looks(3, 10, 3)).toEqual([3, 6, 9, 10]);
  });

  it('decides on an interval that excludes zero or lies within ±delta', () => {
    expect(lookInterval([0.05, 0.06, 0.055, 0.052], 0.05, 0.02).decision).toBe('differ');
    expect(lookInterval([0.001, -0.002, 0.0015, 0], 0.05, 0.02).decision).toBe('equivalent');
    expect(lookInterval([0.03, -0.03, 0.01], 0.05, 0.02).decision).toBe('undecided');
    expect(lookInterval([0.03, Number.NaN, 0.01], 0.05, 0.02).decision).toBe('undecided');
  });
});

describe('sequential seeds, simulated (4,000 runs each)', () => {
  it('covers the true difference at least at the nominal level and stops early when the difference is large', () => {
    for (const mu of [0, 0.01, 0.05]) {
      const s = simulate([mu], 0.02, 4000);
      expect(s.coverage, `mu ${mu}`).toBeGreaterThanOrEqual(0.95);
    }
    // A 5-point gap with a 2-point spread is decided after about half the cap of 12 seeds (5.0 on average here).
    expect(simulate([0.05], 0.02, 4000).seeds).toBeLessThan(6);
  });

  it('declares a difference that is not there at most at the nominal rate, with several comparisons at once', () => {
    const s = simulate([0, 0, 0], 0.03, 4000);
    expect(s.differ).toBeLessThanOrEqual(0.05);
    expect(s.coverage).toBeGreaterThanOrEqual(0.95);
  });

  it('is needed: a 95% interval at every look loses coverage and declares too many differences', () => {
    const s = simulate([0, 0, 0], 0.03, 4000, naive);
    expect(s.coverage).toBeLessThan(0.95);
    expect(s.differ).toBeGreaterThan(0.05);
  });
});

describe('sequentialSeeds', () => {
  it('asks for the first look whose data are missing, and stops at max', () => {
    expect(sequentialSeeds(O, () => undefined)).toMatchObject({ stoppedAt: undefined, seeds: 3 });
    const data = [Array.from({ length: 12 }, (_, i) => (i % 2 ? 0.03 : -0.03))];
    expect(sequentialSeeds(O, (n) => (n <= 5 ? data.map((d) => d.slice(0, n)) : undefined))).toMatchObject({ stoppedAt: undefined, seeds: 6 });
    expect(sequentialSeeds(O, (n) => data.map((d) => d.slice(0, n)))).toMatchObject({ stoppedAt: 12, seeds: 12 });
  });
});
