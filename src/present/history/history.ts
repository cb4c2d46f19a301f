// A history across runs (nights): each run's headline numbers per (arm, perturbation family)
// in time order, change points in each series, and whether the latest run starts a
// regression. Headlines are the report's summary scores: clean accuracy and, per
// perturbation, accuracy_auc (the mean accuracy across its sweep), each the mean over seeds
// with its 95% interval.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readManifest, MANIFEST_FILE, type RunManifest } from '../../run/experiment/manifest.ts';
import { setupDifferences } from '../compare/run-data.ts';
import { RunStore } from '../../run/experiment/store.ts';
import { runView, armName } from '../../run/results/view.ts';
import { M, metricInfo } from '../../measure/metrics/catalog.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import { InputError } from '../../errors.ts';
import { changePoints, noiseVariance, type ChangePoint } from './change-points.ts';

export interface HistoryRun {
  readonly dir: string;
  readonly time: string;
  readonly commit: string | undefined;
  readonly manifest: RunManifest;
  /** How its setup differs from the latest run's (empty: the same); such runs are followed only when allowed. */
  readonly differences: readonly string[];
}

export interface HistoryPoint {
  readonly run: number;
  readonly mean: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly n: number;
}

export interface HistorySeries {
  readonly arm: string;
  readonly perturbation: string;
  readonly metric: string;
  readonly points: readonly HistoryPoint[];
  readonly changes: readonly (ChangePoint & { readonly run: number; readonly regression: boolean })[];
}

export interface History {
  readonly runs: readonly HistoryRun[];
  readonly series: readonly HistorySeries[];
  /** Series whose latest run begins a change for the worse. */
  readonly latestRegressions: readonly HistorySeries[];
}

export class HistoryError extends InputError {}

/** Run directories named directly, or found one level inside a folder of runs. */
export function findRuns(paths: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new HistoryError(`${p}: no such folder`);
    if (existsSync(join(p, MANIFEST_FILE))) dirs.push(p);
    else {
      const inside = readdirSync(p)
        .map((d) => join(p, d))
        .filter((d) => statSync(d).isDirectory() && existsSync(join(d, MANIFEST_FILE)));
      if (!inside.length) throw new HistoryError(`${p}: neither a run directory (no ${MANIFEST_FILE}) nor a folder of runs`);
      dirs.push(...inside);
    }
  }
  return dirs;
}

export interface HistoryOptions {
  /** Follow runs whose setups differ (suite fields, data, hyperparameters), as `compare --allow-mismatch` compares them. */
  readonly allowMismatch?: boolean;
}

export function buildHistory(paths: readonly string[], options: HistoryOptions = {}): History {
  const runs = findRuns(paths)
    .map((dir) => {
      const manifest = readManifest(dir);
      return { dir, time: manifest.timings.startedAt, commit: manifest.provenance?.git?.commit, manifest };
    })
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.dir < b.dir ? -1 : 1));
  if (runs.length < 2) throw new HistoryError(`a history needs at least two runs; found ${runs.length} in ${paths.join(', ')}`);
  const suites = new Set(runs.map((r) => r.manifest.config.suite.name));
  if (suites.size > 1) throw new HistoryError(`the runs are of different suites (${[...suites].join(', ')}); a history follows one suite`);
  // A change of setup (epochs, data, an optimizer's options) is not a change of the code's
  // behaviour: such runs are refused, as compare refuses them, unless allowed.
  const newest = runs.at(-1)!;
  const withDifferences: HistoryRun[] = runs.map((r) => ({
    ...r,
    differences: r === newest ? [] : setupDifferences(r.manifest, newest.manifest).map((d) => d.replace('baseline', 'it').replace('current', 'the latest')),
  }));
  const differing = withDifferences
    .filter((r) => r.differences.length)
    .map((r) => `${basename(r.dir)} (${r.differences[0]}${r.differences.length > 1 ? `, and ${r.differences.length - 1} more` : ''})`);
  if (differing.length && !options.allowMismatch)
    throw new HistoryError(
      `${differing.length} run(s) differ in setup from the latest, ${basename(newest.dir)}: ${differing.slice(0, 3).join('; ')}` +
        `${differing.length > 3 ? '; ...' : ''}. A history follows one setup: leave them out, or pass --allow-mismatch`,
    );

  const byKey = new Map<string, { arm: string; perturbation: string; metric: string; points: HistoryPoint[] }>();
  runs.forEach((run, i) => {
    const view = runView(run.manifest.config.suite, new RunStore(run.dir, run.manifest.identity).records());
    for (const row of view.summary) {
      const headline = (row.metric === M.accuracy.name && row.perturbation === CLEAN) || row.metric === M.auc.name;
      if (!headline) continue;
      const arm = armName(view, row.arm);
      const key = `${arm}\u0000${row.perturbation}\u0000${row.metric}`;
      if (!byKey.has(key)) byKey.set(key, { arm, perturbation: row.perturbation, metric: row.metric, points: [] });
      byKey.get(key)!.points.push({ run: i, mean: row.stats.mean, ciLow: row.stats.ciLow, ciHigh: row.stats.ciHigh, n: row.stats.n });
    }
  });
  const series: HistorySeries[] = [...byKey.values()].map((s) => {
    const info = metricInfo(s.metric);
    const finite = s.points.filter((p) => Number.isFinite(p.mean));
    const se = finite.map((p) => (p.n >= 2 && Number.isFinite(p.ciHigh) ? (p.ciHigh - p.ciLow) / (2 * 1.96) : Number.NaN));
    const changes = changePoints(
      finite.map((p) => p.mean),
      {
        variance: noiseVariance(
          finite.map((p) => p.mean),
          se,
        ),
        minStep: info.threshold,
      },
    ).map((c) => ({ ...c, run: finite[c.index]!.run, regression: info.direction === 'higher' ? c.after < c.before : c.after > c.before }));
    return { ...s, changes };
  });
  const latest = runs.length - 1;
  // A series that lost the latest run (a failed or missing cell) is a regression too: a gate never passes on missing data.
  const latestRegressions = series.filter(
    (s) => s.changes.some((c) => c.run === latest && c.regression) || (s.points.length > 0 && s.points[s.points.length - 1]!.run !== latest),
  );
  return { runs: withDifferences, series, latestRegressions };
}
