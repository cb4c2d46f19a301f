// The power of the paired t-test across seeds (power.ts), checked against what it predicts:
// simulated experiments with known truth, run through the package's own pairedTest, detect a
// difference as often as pairedPower says (within three standard errors of 20,000 trials), at
// the detectable difference and at the seeds it names; the null gives the level; large n the
// normal approximation. summary.csv's columns follow from its own interval columns.
import { describe, expect, it } from 'vitest';
import { ALPHA, detectableDifference, normalCdf, pairedPower, POWER, seedsNeeded, STATED_DIFFERENCE } from '../../src/measure/metrics/power.ts';
import { pairedTest, tQuantile } from '../../src/measure/metrics/stats.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { smallRun } from '../helpers/small-run.ts';
import { csvRows } from '../helpers/csv-rows.ts';

const TRIALS = 20_000;

/** The fraction of TRIALS simulated experiments (n paired differences ~ N(effect, 1)) whose paired t-test gives p < ALPHA. */
function simulated(effect: number, n: number, seed: number): number {
  const rng = createRng(seed, 'power-simulation');
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const zeros = new Array<number>(n).fill(0);
  let detected = 0;
  for (let t = 0; t < TRIALS; t++) {
    const d = zeros.map(() => effect + normal());
    if (pairedTest(d, zeros).p < ALPHA) detected++;
  }
  return detected / TRIALS;
}

const within3se = (observed: number, expected: number) =>
  expect(Math.abs(observed - expected)).toBeLessThan(3 * Math.sqrt((expected * (1 - expected)) / TRIALS));

describe('power of the paired t-test', () => {
  it('has the normal distribution function it integrates against', () => {
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655253931457, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });

  it('is the level under the null, and the normal approximation at large n', () => {
    for (const n of [2, 3, 5, 30]) expect(pairedPower(0, n)).toBeCloseTo(ALPHA, 4);
    const n = 400;
    const lambda = 0.15 * Math.sqrt(n);
    const z = tQuantile(1 - ALPHA / 2, n - 1);
    expect(pairedPower(0.15, n)).toBeCloseTo(normalCdf(lambda - z) + normalCdf(-lambda - z), 2);
  });

  it('predicts how often simulated experiments detect a difference, at the detectable difference and below it', () => {
    let seed = 0;
    for (const n of [3, 5, 10]) {
      const mde = detectableDifference(1, n);
      expect(pairedPower(mde, n)).toBeCloseTo(POWER, 6);
      within3se(simulated(mde, n, seed++), POWER);
      within3se(simulated(mde / 2, n, seed++), pairedPower(mde / 2, n));
    }
  }, 60_000);

  it('names the fewest seeds that reach 80% power, and simulation agrees', () => {
    // Differences spread by 1.5 points; 2 points to detect.
    const n = seedsNeeded(STATED_DIFFERENCE, 0.015);
    expect(pairedPower(STATED_DIFFERENCE / 0.015, n)).toBeGreaterThanOrEqual(POWER);
    expect(pairedPower(STATED_DIFFERENCE / 0.015, n - 1)).toBeLessThan(POWER);
    within3se(simulated(STATED_DIFFERENCE / 0.015, n, 99), pairedPower(STATED_DIFFERENCE / 0.015, n));
    // Scale-free: the same ratio, the same seeds; a spread of 0 needs the fewest a test can use.
    expect(seedsNeeded(0.2, 0.15)).toBe(n);
    expect(seedsNeeded(0.02, 0)).toBe(2);
    expect(seedsNeeded(1e-6, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(detectableDifference(0.01, 1)).toBeNaN();
  });

  it("summary.csv: the detectable difference from each row's own interval, and seeds needed for accuracies only", async () => {
    const { dir } = await smallRun({ seeds: [0, 1, 2] });
    const rows = csvRows(dir, 'summary.csv');
    const tested = rows.filter((r) => r.diff !== '' && r.optimizer === 'adam');
    expect(tested.length).toBeGreaterThan(10);
    for (const r of tested.filter((x) => x.metric === 'accuracy')) {
      // The interval's half-width is t(0.975, n-1) x sd / sqrt(n): the spread it implies gives the detectable difference.
      const sd = ((Number(r.diff_ci95_high) - Number(r.diff_ci95_low)) / 2) * (Math.sqrt(3) / tQuantile(0.975, 2));
      // summary.csv keeps 8 significant digits.
      expect(Number(r.detectable_diff) / detectableDifference(sd, 3)).toBeCloseTo(1, 6);
      expect(Number(r.seeds_needed)).toBe(seedsNeeded(STATED_DIFFERENCE, sd));
    }
    const loss = tested.find((r) => r.metric === 'loss')!;
    expect(loss.detectable_diff).not.toBe('');
    expect(loss.seeds_needed).toBe('');
    expect(rows.filter((r) => r.optimizer === 'sgd').every((r) => r.detectable_diff === '' && r.seeds_needed === '')).toBe(true);
  }, 300_000);
});
