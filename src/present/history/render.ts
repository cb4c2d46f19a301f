// history.csv (tidy, one row per run and series) and history.html (the report's charts: a panel
// per perturbation, a line per optimizer over the runs with its 95% band, change points marked;
// then the change points with the run and commit where each began, and the runs).
import { toCsv } from '../report/csv.ts';
import { cell, esc } from '../report/format.ts';
import { bandPanels, renderSvg, type BandPoint } from '../report/charts.ts';
import { CLEAN } from '../../measure/perturb/registry.ts';
import type { History } from './history.ts';

export const HISTORY_COLUMNS = ['run', 'time', 'commit', 'optimizer', 'perturbation', 'metric', 'mean', 'ci_low', 'ci_high', 'n', 'change_point'] as const;

const runName = (h: History, i: number) => h.runs[i]!.dir.split(/[/\\]/).filter(Boolean).pop()!;

export function historyCsv(h: History): string {
  const rows: string[][] = [];
  for (const s of h.series)
    for (const p of s.points) {
      const run = h.runs[p.run]!;
      const change = s.changes.find((c) => c.run === p.run);
      rows.push(
        [
          runName(h, p.run),
          run.time,
          run.commit ?? '',
          s.arm,
          s.perturbation,
          s.metric,
          p.mean,
          p.ciLow,
          p.ciHigh,
          p.n,
          change ? (change.regression ? 'worse' : 'better') : '',
        ].map(cell),
      );
    }
  return toCsv(HISTORY_COLUMNS, rows);
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const commitOf = (h: History, i: number) => h.runs[i]!.commit?.slice(0, 10);

/** One panel per perturbation (clean first), one line per optimizer over the runs, the report's colours; change points marked. */
async function charts(h: History): Promise<string> {
  const arms = [...new Set(h.series.map((s) => s.arm))];
  const points: BandPoint[] = h.series.flatMap((s) =>
    s.points.map((p) => {
      const change = s.changes.find((c) => c.run === p.run);
      return {
        panel: s.perturbation === CLEAN ? 'clean' : s.perturbation,
        arm: s.arm,
        x: p.run + 1,
        mean: p.mean,
        low: p.ciLow,
        high: p.ciHigh,
        ...(change ? { mark: change.regression ? ('worse' as const) : ('better' as const) } : {}),
      };
    }),
  );
  const clean = points.filter((p) => p.panel === 'clean');
  const spec = bandPanels({
    title: 'headline scores per run (mean over seeds, 95% band)',
    yTitle: 'accuracy (%)',
    xTitle: 'run (# in the table below)',
    integerX: true,
    fit: true,
    percent: true,
    points: [...clean, ...points.filter((p) => p.panel !== 'clean')],
    arms,
  });
  return `<figure>${await renderSvg(spec)}</figure>`;
}

function changeTable(h: History): string {
  const rows = h.series.flatMap((s) =>
    s.changes.map((c) => {
      const commit = commitOf(h, c.run);
      return (
        `<tr class="${c.regression ? 'bad' : 'good'}"><td>${esc(s.arm)}</td><td>${esc(s.perturbation)}</td><td>${esc(s.metric)}</td>` +
        `<td>${c.regression ? '▼ worse' : '▲ better'}</td><td>change from ${esc(runName(h, c.run))}${commit ? ` (commit ${esc(commit)})` : ''}</td>` +
        `<td>${pct(c.before)} → ${pct(c.after)}</td></tr>`
      );
    }),
  );
  if (!rows.length) return '<p>No change points in any series.</p>';
  return (
    '<table><tr><th>optimizer</th><th>perturbation</th><th>metric</th><th>change</th><th>where it begins</th>' +
    `<th>mean before → after</th></tr>${rows.join('')}</table>`
  );
}

export async function historyHtml(h: History): Promise<string> {
  const suite = h.runs[0]!.manifest.config.suite.name;
  const latest = runName(h, h.runs.length - 1);
  const verdict = h.latestRegressions.length
    ? `<p class="bad"><b>The latest run (${esc(latest)}) starts a change for the worse in ` +
      `${h.latestRegressions.length} series:</b> ` +
      `${h.latestRegressions.map((s) => esc(`${s.arm} · ${s.perturbation}`)).join(', ')}.</p>`
    : `<p class="good">The latest run (${esc(latest)}) starts no change for the worse.</p>`;
  const differing = h.runs.filter((r) => r.differences.length);
  const mismatch = differing.length
    ? `<p class="alert"><b>${differing.length} of ${h.runs.length} runs differ in setup from the latest</b> (followed because ` +
      `of --allow-mismatch): a change at one of them may come from its setup, not from the code. The runs table names ` +
      `each one's first difference.</p>`
    : '';
  const runs = h.runs
    .map((r, i) => {
      const commit = `<code>${esc(commitOf(h, i) ?? '–')}${r.manifest.provenance?.git?.dirty ? ' (dirty)' : ''}</code>`;
      const setup = r.differences.length
        ? `<span class="bad">differs: ${esc(r.differences[0]!)}${r.differences.length > 1 ? `, and ${r.differences.length - 1} more` : ''}</span>`
        : i === h.runs.length - 1
          ? 'the latest'
          : 'as the latest';
      return `<tr><td>${i + 1}</td><td>${esc(runName(h, i))}</td><td>${esc(r.time)}</td><td>${commit}</td><td>${setup}</td></tr>`;
    })
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>optrobust history: ${esc(suite)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:16px 20px;max-width:1880px;box-sizing:border-box}` +
    `figure{margin:.5em 0;max-width:100%}svg{max-width:100%;height:auto}.bad{color:#b00}.good{color:#060}` +
    `.alert{border:2px solid #D55E00;background:#fff4ec;padding:4px 14px}p{max-width:80em}` +
    `table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}` +
    `td{overflow-wrap:anywhere;max-width:40em}</style></head><body>
<h1>History of ${esc(suite)}: ${h.runs.length} runs</h1>
${verdict}
${mismatch}
<p>Per perturbation, each optimizer's headline score per run (clean accuracy; under a perturbation the mean accuracy ` +
    `across its sweep, accuracy_auc), the mean over seeds with its 95% interval as a band; the y axis fits the values. ` +
    `Triangles mark detected change points (optimal partitioning of the means, Gaussian cost, penalty 4·ln(runs) in ` +
    `units of the noise variance; a change counts when it is at least the metric's compare threshold): red pointing ` +
    `down for worse, green pointing up for better. Every number is in history.csv.</p>
${await charts(h)}
<h2>Change points</h2>${changeTable(h)}
<h2>Runs</h2><table><tr><th>#</th><th>run</th><th>started</th><th>commit</th><th>setup</th></tr>${runs}</table>
</body></html>
`
  );
}
