// The change-point detector's operating figures that README states (history): on 30-run
// series of seeded Gaussian noise, the share of pure-noise series it flags (false alarms)
// and the share of 3σ steps it finds within one run of where they are. Same series
// generator, variance estimate and settings as test/history/history.test.ts, over more
// series; the test's bounds are these rates less (detection) or plus (false alarms) a
// binomial margin for its smaller sample.
//   node --import tsx scripts/measure/history-detection.ts [series]
import { changePoints, noiseVariance } from '../../src/present/history/change-points.ts';
import { BulkRng } from '../../src/core/util/bulk-rng.ts';

const n = Number(process.argv[2] ?? 5000);
const noise = (seed: number, length: number, sigma = 1): number[] => {
  const z = new Float64Array(length);
  new BulkRng(seed, 'history-measure').fillNormal(z);
  return Array.from(z, (v) => sigma * v);
};

let found = 0;
let alarms = 0;
for (let s = 0; s < n; s++) {
  const at = 8 + (s % 15);
  const xs = noise(s, 30, 0.01).map((v, i) => v + (i >= at ? 0.03 : 0));
  if (changePoints(xs, { variance: noiseVariance(xs), minStep: 0 }).some((c) => Math.abs(c.index - at) <= 1)) found++;
  const pure = noise(1_000_000 + s, 30);
  if (changePoints(pure, { variance: noiseVariance(pure), minStep: 0 }).length) alarms++;
}
const pct = (k: number) => `${((100 * k) / n).toFixed(1)}%`;
process.stdout.write(`${n} series of 30 runs: 3-sigma steps found within one run ${pct(found)}; pure-noise series flagged ${pct(alarms)}\n`);
