// A run against a baseline: for every (optimizer, perturbation, severity, metric), the
// means, the delta with its 95% interval, a p-value across seeds (paired t-test when
// both runs hold the same seeds, Welch's otherwise), Benjamini-Hochberg q-values over
// the whole table, and a verdict that needs both significance and a delta beyond the
// metric's threshold. Timings are compared the same way, in a separate section.
import { recordId } from '../../run/experiment/store.ts';
import type { ArmKey } from '../../run/experiment/grid.ts';
import { taskLabel } from '../../run/experiment/run.ts';
import { seriesId, type Series } from '../../run/results/view.ts';
import { pairedTest, tCdf, welchTest } from '../../measure/metrics/stats.ts';
import { mean } from '../../measure/metrics/summary.ts';
import { benjaminiHochberg } from '../../measure/metrics/fdr.ts';
import { ruleFor, type Direction, type Rules } from './directions.ts';
import { engineDifferences, setupDifferences, type RunData } from './run-data.ts';
import type { PerfFile } from './perf-file.ts';

export type Verdict = 'regressed' | 'improved' | 'changed' | '~';
export type TestKind = 'paired t' | 'welch t' | 'identical' | 'untested' | 'non-finite';

export interface CompareRow extends ArmKey {
  readonly perturbation: string;
  readonly severity: number;
  readonly metric: string;
  readonly direction: Direction;
  readonly nBaseline: number;
  readonly nCurrent: number;
  readonly baseline: number;
  readonly current: number;
  readonly delta: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly test: TestKind;
  readonly p: number;
  /** Benjamini-Hochberg adjusted p-value within the row's section. */
  readonly q: number;
  readonly verdict: Verdict;
  /** With test 'non-finite': the current run has more NaN/infinite values than the baseline. */
  readonly nonFiniteGrew?: boolean;
  readonly note?: string;
}

export interface CompareOptions {
  readonly rules: Rules;
  /** False-discovery rate (default 0.05). */
  readonly alpha?: number;
  /** Relative slow-down that counts as a timing regression (default 0.10). */
  readonly perfThreshold?: number;
  readonly basePerf?: PerfFile;
  readonly currentPerf?: PerfFile;
}

export interface Comparison {
  readonly baseline: string;
  readonly current: string;
  /** Every measurement of both runs is the same number (the rows below are all there is to compare). */
  readonly identical: boolean;
  /** Cells the baseline has a result for and the current run lacks (failed or never run), as "label/seed N (phase)". */
  readonly missingCells: readonly string[];
  readonly setupDifferences: readonly string[];
  /** Versions, platform or kernels that differ (comparable, but not bit-identical). */
  readonly engineDifferences: readonly string[];
  readonly correction: 'Benjamini-Hochberg';
  readonly alpha: number;
  readonly rows: readonly CompareRow[];
  readonly perfRows: readonly CompareRow[];
  readonly regressions: number;
  readonly perfRegressions: number;
  /** Rows that could not be tested for lack of seeds (fewer than 2 on a side). */
  readonly untested: number;
}

/** The series of a run by id (arm, perturbation, severity, metric), from its view. */
const collect = (run: RunData): Map<string, Series> => new Map(run.view.series.map((x) => [seriesId(x.arm, x.perturbation, x.severity, x.metric), x]));

interface Tested {
  readonly test: TestKind;
  readonly delta: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly p: number;
  readonly nonFiniteGrew?: boolean;
  readonly note?: string;
}

const sameValues = (a: Map<number, number>, b: Map<number, number>): boolean =>
  a.size === b.size && [...a].every(([seed, v]) => b.has(seed) && Object.is(v, b.get(seed)));

const nonFinite = (xs: readonly number[]) => xs.filter((v) => !Number.isFinite(v)).length;

function testSeries(a: Map<number, number>, b: Map<number, number>): Tested {
  const seedsA = [...a.keys()].sort((x, y) => x - y);
  const seedsB = [...b.keys()].sort((x, y) => x - y);
  const xa = seedsA.map((s) => a.get(s)!);
  const xb = seedsB.map((s) => b.get(s)!);
  const samePairs = seedsA.join() === seedsB.join();
  if (sameValues(a, b)) return { test: 'identical', delta: 0, ciLow: 0, ciHigh: 0, p: 1 };
  // NaN and infinities are never averaged: a series that gained or lost them is reported as
  // such, not as a change of its mean (a diverged loss is not a smaller loss).
  const [na, nb] = [nonFinite(xa), nonFinite(xb)];
  if (na !== nb) {
    return {
      test: 'non-finite',
      delta: Number.NaN,
      ciLow: Number.NaN,
      ciHigh: Number.NaN,
      p: Number.NaN,
      nonFiniteGrew: nb > na,
      note: `non-finite values: ${na} of ${xa.length} seeds in the baseline, ${nb} of ${xb.length} in the current run`,
    };
  }
  const delta = mean(xb.filter(Number.isFinite)) - mean(xa.filter(Number.isFinite));
  if (xa.length < 2 || xb.length < 2)
    return { test: 'untested', delta, ciLow: Number.NaN, ciHigh: Number.NaN, p: Number.NaN, note: 'n too small to test (fewer than 2 seeds)' };
  const t = samePairs ? pairedTest(xb, xa) : welchTest(xb, xa);
  return { test: samePairs ? 'paired t' : 'welch t', delta, ciLow: t.ciLow, ciHigh: t.ciHigh, p: t.p };
}

function verdict(direction: Direction, threshold: number, delta: number, q: number, alpha: number, relativeTo?: number): Verdict {
  if (!(q < alpha)) return '~';
  const size = relativeTo ? Math.abs(delta) / Math.abs(relativeTo) : Math.abs(delta);
  if (size < threshold || delta === 0) return '~';
  if (direction === 'diagnostic') return 'changed';
  const better = direction === 'higher' ? delta > 0 : delta < 0;
  return better ? 'improved' : 'regressed';
}

function finish(
  partial: Omit<CompareRow, 'q' | 'verdict'>[],
  thresholds: (r: Omit<CompareRow, 'q' | 'verdict'>) => [number, number | undefined],
  alpha: number,
): CompareRow[] {
  const q = benjaminiHochberg(partial.map((r) => r.p));
  return partial.map((r, i) => {
    if (r.test === 'non-finite') {
      // More non-finite values than the baseline: the measurement broke (divergence), a regression
      // for any metric with a direction; fewer: a change worth a look, never an "improvement".
      return { ...r, q: Number.NaN, verdict: r.nonFiniteGrew && r.direction !== 'diagnostic' ? 'regressed' : 'changed' };
    }
    const [threshold, relativeTo] = thresholds(r);
    return { ...r, q: q[i]!, verdict: verdict(r.direction, threshold, r.delta, q[i]!, alpha, relativeTo) };
  });
}

function perfRowsFrom(base: RunData, cur: RunData, o: CompareOptions, alpha: number): CompareRow[] {
  const partial: Omit<CompareRow, 'q' | 'verdict'>[] = [];
  // Seconds per main cell, from run.json ("model|regime|optimizer/seed"): one sample per seed, per arm.
  const bySeconds = (run: RunData) => {
    const m = new Map<string, Map<number, number>>();
    for (const [key, sec] of Object.entries(run.manifest.timings.cellSeconds)) {
      const cut = key.lastIndexOf('/');
      const arm = key.slice(0, cut);
      if (!m.has(arm)) m.set(arm, new Map());
      m.get(arm)!.set(Number(key.slice(cut + 1)), sec);
    }
    return m;
  };
  const a = bySeconds(base);
  const b = bySeconds(cur);
  for (const [id, sa] of a) {
    const sb = b.get(id);
    if (!sb) continue;
    const [model = '', regime = '', optimizer = id] = id.split('|');
    const t = testSeries(sa, sb);
    partial.push({
      model,
      regime,
      optimizer,
      perturbation: 'timing',
      severity: 0,
      metric: 'cell_seconds',
      direction: 'lower',
      nBaseline: sa.size,
      nCurrent: sb.size,
      baseline: mean([...sa.values()]),
      current: mean([...sb.values()]),
      ...t,
    });
  }
  // npm run perf results: mean and margin of error per benchmark; a normal-approximation test.
  for (const r of o.basePerf?.results ?? []) {
    const c = o.currentPerf?.results.find((x) => x.name === r.name);
    if (!c) continue;
    const se = (x: typeof r) => (x.msPerOp * x.moePercent) / 100 / 1.96;
    const s = Math.hypot(se(r), se(c));
    const delta = c.msPerOp - r.msPerOp;
    const z = s > 0 ? delta / s : delta === 0 ? 0 : Infinity;
    const p = Number.isFinite(z) ? 2 * (1 - tCdf(Math.abs(z), 1e6)) : 0;
    partial.push({
      model: '',
      regime: '',
      optimizer: r.name,
      perturbation: r.group,
      severity: 0,
      metric: 'ms_per_op',
      direction: 'lower',
      nBaseline: r.samples,
      nCurrent: c.samples,
      baseline: r.msPerOp,
      current: c.msPerOp,
      delta,
      ciLow: delta - 1.96 * s,
      ciHigh: delta + 1.96 * s,
      test: 'welch t',
      p,
    });
  }
  return finish(partial, (r) => [o.perfThreshold ?? 0.1, r.baseline], alpha);
}

/** Each cell the baseline has a result for and the current run does not, as a task label. */
function cellsMissing(base: RunData, cur: RunData): string[] {
  const have = new Set(cur.records.filter((r) => r.kind !== 'failure').map(recordId));
  // Seeds the current run does not have by design are a different sample (compared unpaired), not missing cells.
  const seeds = new Set(cur.manifest.config.suite.seeds);
  return base.view.records
    .filter((r) => r.kind !== 'failure' && seeds.has(r.key.seed) && !have.has(recordId(r)))
    .map((r) => taskLabel(base.manifest.config.suite, r));
}

export function compareRuns(base: RunData, cur: RunData, o: CompareOptions): Comparison {
  const alpha = o.alpha ?? 0.05;
  const a = collect(base);
  const b = collect(cur);
  const identical = a.size === b.size && [...a].every(([key, s]) => b.has(key) && sameValues(s.bySeed, b.get(key)!.bySeed));
  const partial: Omit<CompareRow, 'q' | 'verdict'>[] = [];
  for (const [key, sa] of a) {
    const sb = b.get(key);
    if (!sb) continue;
    const t = testSeries(sa.bySeed, sb.bySeed);
    const rule = ruleFor(o.rules, sa.metric);
    partial.push({
      ...sa.arm,
      perturbation: sa.perturbation,
      severity: sa.severity,
      metric: sa.metric,
      direction: rule.direction,
      nBaseline: sa.bySeed.size,
      nCurrent: sb.bySeed.size,
      baseline: mean([...sa.bySeed.values()]),
      current: mean([...sb.bySeed.values()]),
      ...t,
    });
  }
  const rows = finish(partial, (r) => [ruleFor(o.rules, r.metric).threshold, undefined], alpha);
  const perfRows = perfRowsFrom(base, cur, o, alpha);
  return {
    baseline: base.dir,
    current: cur.dir,
    identical: identical && rows.length > 0,
    missingCells: cellsMissing(base, cur),
    setupDifferences: setupDifferences(base.manifest, cur.manifest),
    engineDifferences: engineDifferences(base.manifest.environment ?? {}, cur.manifest.environment ?? {}),
    correction: 'Benjamini-Hochberg',
    alpha,
    rows,
    perfRows,
    regressions: rows.filter((r) => r.verdict === 'regressed').length,
    perfRegressions: perfRows.filter((r) => r.verdict === 'regressed').length,
    untested: rows.filter((r) => r.test === 'untested').length,
  };
}
