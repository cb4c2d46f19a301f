// The run view: a run's records in canonical order, their measurements, the measurements
// grouped into series (arm, perturbation, severity, metric -> value per seed), and the
// across-seed summary with each arm's paired difference from its reference arm. Computed
// once per run and handed to every writer (CSV, HTML) and to compare.
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import { armId, referenceArm, suiteArms, type Arm, type ArmKey } from '../experiment/grid.ts';
import { PHASES, phaseNamed } from '../experiment/phases/index.ts';
import { tunedChoices } from '../experiment/phases/tune.ts';
import type { TuneChoice } from '../tune/choose.ts';
import { budgetRankings, type BudgetRanking } from './budgets.ts';
import { seedLook, type SeedLook } from './auto-seeds.ts';
import { describe, describeFraction, pairedTest, type Interval, type TestResult } from '../../measure/metrics/stats.ts';
import { M, metricInfo } from '../../measure/metrics/catalog.ts';
import { areaUnderCurve, scoreMeasurements } from './scores.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { benjaminiHochberg } from '../../measure/metrics/fdr.ts';
import { TRAIN, type Measurement } from '../experiment/measurement.ts';
import { testSetError, unpackBits } from '../../measure/metrics/test-noise.ts';
import type { SweepPoint } from '../../measure/metrics/robustness.ts';

export interface Series {
  readonly arm: ArmKey;
  readonly perturbation: string;
  readonly severity: number;
  readonly metric: string;
  readonly bySeed: Map<number, number>;
}

export interface SummaryRow {
  readonly arm: ArmKey;
  readonly perturbation: string;
  readonly severity: number;
  readonly metric: string;
  readonly stats: Interval;
  /**
   * Paired against the reference arm (same model and regime, the suite's reference optimizer)
   * over shared seeds, with its Benjamini-Hochberg q-value among all arms' tests of the same
   * metric (the correction compare applies); null for the reference itself.
   */
  readonly vsReference: (TestResult & { readonly q: number; readonly seTest?: number }) | null;
}

/**
 * The test-set standard error of a difference from the reference (test-noise.ts) in accuracy at
 * a point, or in a perturbation's accuracy_auc (per example, the same area over its outcomes:
 * the score is linear in them), from the main cells' per-example outcomes over the seeds both
 * arms have; undefined when the records do not hold them (made before they were kept).
 */
function testError(suite: Suite, records: readonly CellRecord[], s: Series, seeds: readonly number[]): number | undefined {
  const cell = (arm: ArmKey, seed: number) => {
    const record = records.find((r) => r.kind === 'result' && r.phase === 'main' && r.key.seed === seed && armId(r.key) === armId(arm));
    return record?.kind === 'result' ? (record.result as { eval?: readonly SweepPoint[] | null; classCounts?: readonly number[] }) : undefined;
  };
  // The packed bits round up to bytes: the cell's class counts say how many examples there were.
  const bits = (arm: ArmKey, seed: number, perturbation: string, severity: number): Uint8Array | undefined => {
    const c = cell(arm, seed);
    const packed = c?.eval?.find((p) => p.perturbation === perturbation && p.severity === severity)?.outcomes;
    return packed && c?.classCounts
      ? unpackBits(
          packed,
          c.classCounts.reduce((a, b) => a + b, 0),
        )
      : undefined;
  };
  const severities = suite.perturbations[s.perturbation] ?? [];
  const outcomes = (arm: ArmKey, seed: number): ArrayLike<number> | undefined => {
    if (s.metric === M.accuracy.name) return bits(arm, seed, s.perturbation, s.severity);
    const clean = bits(arm, seed, CLEAN, 0);
    const points = severities.map((sev) => bits(arm, seed, s.perturbation, sev));
    if (!clean || points.some((p) => !p)) return undefined;
    return Float64Array.from(clean, (c, i) => areaUnderCurve(c, new Map(severities.map((sev, k) => [sev, points[k]![i]!]))));
  };
  const mine = seeds.map((seed) => outcomes(s.arm, seed));
  const theirs = seeds.map((seed) => outcomes(referenceArm(suite, s.arm), seed));
  if (!seeds.length || [...mine, ...theirs].some((o) => o === undefined)) return undefined;
  return testSetError(mine as ArrayLike<number>[], theirs as ArrayLike<number>[]);
}

export interface RecordRows {
  readonly record: CellRecord;
  readonly arm: Arm;
  readonly measurements: readonly Measurement[];
}

export interface RunView {
  readonly suite: Suite;
  readonly arms: readonly Arm[];
  /** Canonical order: arms as the suite lists them, then seeds, then phases in run order. */
  readonly records: readonly CellRecord[];
  readonly rows: readonly RecordRows[];
  readonly series: readonly Series[];
  readonly summary: readonly SummaryRow[];
  /** The learning rate chosen per arm id, when the suite tunes and its trials are complete. */
  readonly tuning: ReadonlyMap<string, TuneChoice> | undefined;
  /** Budget sensitivity (tune.budgets): each budget's ranking per perturbation, once its cells are in. */
  readonly budgets: readonly BudgetRanking[] | undefined;
  /** Where the sequential seed procedure stands (seeds: { auto }). */
  readonly seedLook: SeedLook | undefined;
  /** More than one model, or regime: labels then name them. */
  readonly axes: { readonly models: boolean; readonly regimes: boolean };
}

export const seriesId = (arm: ArmKey, perturbation: string, severity: number, metric: string): string =>
  `${armId(arm)}\u0000${perturbation}\u0000${severity}\u0000${metric}`;

export function orderRecords(suite: Suite, records: readonly CellRecord[]): CellRecord[] {
  const arms = suiteArms(suite).map((a) => a.id);
  const phases = PHASES.map((p) => p.name);
  const rank = (r: CellRecord) => [arms.indexOf(armId(r.key)), suite.seeds.indexOf(r.key.seed), phases.indexOf(r.phase), phaseNamed(r.phase).order(r.key)];
  return [...records].sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return 0;
  });
}

/** The rows results.csv holds for a record: a failure is one `failed` row; tuning trials go to tuning.csv. */
export function recordMeasurements(rec: CellRecord): Measurement[] {
  if (rec.kind === 'failure') {
    const k = rec.key;
    const phase = phaseNamed(rec.phase);
    const perturbation = phase.failedUnder ?? phase.name;
    return [
      {
        model: k.model,
        regime: k.regime,
        optimizer: k.optimizer,
        seed: k.seed,
        perturbation,
        severity: perturbation === TRAIN ? 0 : phase.order(k),
        metric: M.failed.name,
        value: 1,
      },
    ];
  }
  return phaseNamed(rec.phase).measurements(rec.key, rec.result);
}

export function runView(declared: Suite, records: readonly CellRecord[]): RunView {
  // --seeds auto: the run's seeds are those the sequential procedure has reached.
  const look = seedLook(declared, records);
  const suite = look ? { ...declared, seeds: look.seedList } : declared;
  const arms = suiteArms(suite);
  const byId = new Map(arms.map((a) => [a.id, a]));
  const ordered = orderRecords(suite, records).filter((r) => byId.has(armId(r.key)));
  const base = ordered.map((record) => ({ record, arm: byId.get(armId(record.key))!, measurements: recordMeasurements(record) }));
  // Summary scores join a cell's rows: areas under the accuracy curves, and corruption errors
  // against the reference arm's cell of the same seed.
  // Each phase with scores says from which metric, and whether against the reference arm's cell of the same phase and seed.
  const cellOf = (phase: string, key: ArmKey & { readonly seed: number }) => `${phase}|${armId(key)}|${key.seed}`;
  const cells = new Map(base.filter((r) => r.record.kind === 'result').map((r) => [cellOf(r.record.phase, r.record.key), r.measurements]));
  const rows: RecordRows[] = base.map((r) => {
    const scores = r.record.kind === 'result' ? phaseNamed(r.record.phase).scores : undefined;
    if (!scores) return r;
    const reference = scores.againstReference
      ? cells.get(cellOf(r.record.phase, { ...referenceArm(suite, r.record.key), seed: r.record.key.seed }))
      : undefined;
    return { ...r, measurements: [...r.measurements, ...scoreMeasurements(r.measurements, reference, scores.metric)] };
  });
  // (arm, perturbation, severity, metric) -> seed -> value, in first-seen order; failures are not values.
  const groups = new Map<string, Series>();
  for (const { record, measurements } of rows) {
    if (record.kind === 'failure') continue;
    for (const m of measurements) {
      const id = seriesId(m, m.perturbation, m.severity, m.metric);
      let s = groups.get(id);
      if (!s)
        groups.set(
          id,
          (s = {
            arm: { model: m.model, regime: m.regime, optimizer: m.optimizer },
            perturbation: m.perturbation,
            severity: m.severity,
            metric: m.metric,
            bySeed: new Map(),
          }),
        );
      s.bySeed.set(m.seed, m.value);
    }
  }
  const series = [...groups.values()];
  const tests = series.map((s): TestResult | null => {
    const ref = groups.get(seriesId(referenceArm(suite, s.arm), s.perturbation, s.severity, s.metric));
    if (s.arm.optimizer === suite.reference || !ref) return null;
    const seeds = [...s.bySeed.keys()].filter((x) => ref.bySeed.has(x));
    return pairedTest(
      seeds.map((x) => s.bySeed.get(x)!),
      seeds.map((x) => ref.bySeed.get(x)!),
    );
  });
  const q = new Map<number, number>();
  for (const metric of new Set(series.map((s) => s.metric))) {
    const idx = series.map((s, i) => (s.metric === metric && tests[i] ? i : -1)).filter((i) => i >= 0);
    benjaminiHochberg(idx.map((i) => tests[i]!.p)).forEach((v, k) => q.set(idx[k]!, v));
  }
  // Accuracy differences also carry their test-set error, where the records hold per-example outcomes.
  const withTestError = (s: Series) => {
    if (s.metric !== M.accuracy.name && s.metric !== M.auc.name) return {};
    const ref = groups.get(seriesId(referenceArm(suite, s.arm), s.perturbation, s.severity, s.metric));
    const seeds = [...s.bySeed.keys()].filter((x) => ref?.bySeed.has(x));
    const seTest = testError(suite, ordered, s, seeds);
    return seTest === undefined ? {} : { seTest };
  };
  const summary = series.map((s, i): SummaryRow => {
    const values = [...s.bySeed.values()];
    const t = tests[i];
    return {
      arm: s.arm,
      perturbation: s.perturbation,
      severity: s.severity,
      metric: s.metric,
      stats: metricInfo(s.metric).unit === 'fraction' ? describeFraction(values) : describe(values),
      vsReference: t ? { ...t, q: q.get(i)!, ...withTestError(s) } : null,
    };
  });
  const models = new Set(arms.map((a) => a.model)).size > 1;
  const regimes = new Set(arms.map((a) => a.regime)).size > 1;
  return {
    suite,
    arms,
    records: ordered,
    rows,
    series,
    summary,
    tuning: suite.tune ? tunedChoices(suite, ordered) : undefined,
    budgets: suite.tune ? budgetRankings(suite, ordered) : undefined,
    seedLook: look,
    axes: { models, regimes },
  };
}

/** How a report names an arm: the optimizer label, with the model and regime where the run has several. */
export function armName(view: Pick<RunView, 'axes'>, a: ArmKey): string {
  return [a.optimizer, ...(view.axes.models ? [a.model] : []), ...(view.axes.regimes ? [a.regime] : [])].join(' · ');
}
