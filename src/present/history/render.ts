// history.csv (tidy, one row per run and series) and history.html (a small chart per series:
// the mean, its 95% band, change points marked with the run and commit where each began).
import { toCsv } from '../report/csv.ts';
import { cell, esc, formatNumber } from '../report/format.ts';
import type { History, HistorySeries } from './history.ts';

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

function chart(h: History, s: HistorySeries): string {
  const W = 300;
  const H = 120;
  const pad = 24;
  const n = h.runs.length;
  const ys = s.points.flatMap((p) => [p.mean, p.ciLow, p.ciHigh]).filter(Number.isFinite);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const span = hi - lo || 1e-6;
  const x = (i: number) => pad + ((W - 2 * pad) * i) / Math.max(1, n - 1);
  const y = (v: number) => H - pad - ((H - 2 * pad) * (v - lo)) / span;
  const pts = s.points.filter((p) => Number.isFinite(p.mean));
  const band = pts.filter((p) => Number.isFinite(p.ciLow) && Number.isFinite(p.ciHigh));
  const bandPath =
    band.length > 1
      ? `<path d="M${band.map((p) => `${x(p.run)},${y(p.ciHigh)}`).join('L')}L${[...band]
          .reverse()
          .map((p) => `${x(p.run)},${y(p.ciLow)}`)
          .join('L')}Z" fill="#4c78a8" opacity="0.2"/>`
      : '';
  const line = `<polyline fill="none" stroke="#4c78a8" stroke-width="1.5" points="${pts.map((p) => `${x(p.run)},${y(p.mean)}`).join(' ')}"/>`;
  const dots = pts
    .map(
      (p) =>
        `<circle cx="${x(p.run)}" cy="${y(p.mean)}" r="2.5" fill="#4c78a8"><title>${esc(runName(h, p.run))}: ` +
        `${formatNumber(p.mean)} [${formatNumber(p.ciLow)}, ${formatNumber(p.ciHigh)}]</title></circle>`,
    )
    .join('');
  const marks = s.changes
    .map((c) => {
      const run = h.runs[c.run]!;
      const colour = c.regression ? '#d62728' : '#2ca02c';
      return (
        `<line x1="${x(c.run) - 0.5 * ((W - 2 * pad) / Math.max(1, n - 1))}" ` +
        `x2="${x(c.run) - 0.5 * ((W - 2 * pad) / Math.max(1, n - 1))}" y1="${pad / 2}" y2="${H - pad / 2}" ` +
        `stroke="${colour}" stroke-dasharray="3,2"><title>change from ` +
        `${esc(runName(h, c.run))}${run.commit ? ` (commit ${esc(run.commit.slice(0, 10))})` : ''}: ` +
        `${formatNumber(c.before)} -> ${formatNumber(c.after)}</title></line>`
      );
    })
    .join('');
  const axis =
    `<text x="2" y="${pad}" font-size="9">${esc(formatNumber(hi))}</text><text x="2" y="${H - pad + 9}" ` + `font-size="9">${esc(formatNumber(lo))}</text>`;
  const title = `${s.arm} · ${s.perturbation} · ${s.metric}`;
  const changes = s.changes
    .map(
      (c) =>
        `<li class="${c.regression ? 'bad' : 'good'}">from ` +
        `${esc(runName(h, c.run))}${h.runs[c.run]!.commit ? ` (${esc(h.runs[c.run]!.commit!.slice(0, 10))})` : ''}: ` +
        `${esc(formatNumber(c.before))} → ${esc(formatNumber(c.after))}</li>`,
    )
    .join('');
  return (
    `<figure><figcaption>${esc(title)}</figcaption><svg width="${W}" height="${H}" role="img" ` +
    `aria-label="${esc(title)}">${bandPath}${line}${dots}${marks}${axis}</svg>${changes ? `<ul>${changes}</ul>` : ''}</figure>`
  );
}

export function historyHtml(h: History): string {
  const suite = h.runs[0]!.manifest.config.suite.name;
  const verdict = h.latestRegressions.length
    ? `<p class="bad"><b>The latest run (${esc(runName(h, h.runs.length - 1))}) starts a change for the worse in ` +
      `${h.latestRegressions.length} series:</b> ` +
      `${h.latestRegressions.map((s) => esc(`${s.arm} · ${s.perturbation}`)).join(', ')}.</p>`
    : `<p class="good">The latest run (${esc(runName(h, h.runs.length - 1))}) starts no change for the worse.</p>`;
  const runs = h.runs
    .map((r, i) => {
      const commit = `<code>${esc(r.commit?.slice(0, 10) ?? '–')}${r.manifest.provenance?.git?.dirty ? ' (dirty)' : ''}</code>`;
      return `<tr><td>${i + 1}</td><td>${esc(runName(h, i))}</td><td>${esc(r.time)}</td><td>${commit}</td></tr>`;
    })
    .join('');
  const changed = [...h.series].sort((a, b) => b.changes.length - a.changes.length);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>optrobust history: ` +
    `${esc(suite)}</title>
<style>body{font:14px ` +
    `system-ui,sans-serif;margin:1.5em;max-width:1280px}figure{display:inline-block;margin:.5em;vertical-align:top;width:300px}` +
    `figcaption{font-size:12px}.bad{color:#b00}.good{color:#060}ul{font-size:11px;margin:.2em ` +
    `0;padding-left:1.2em}table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:1px ` +
    `solid #ddd;text-align:left}</style></head><body>
<h1>History of ${esc(suite)}: ${h.runs.length} ` +
    `runs</h1>
${verdict}
<p>Each chart: one series' mean over seeds per run, its 95% interval as a band; dashed ` +
    `lines mark detected change points (optimal partitioning of the means, Gaussian cost, penalty 4·ln(runs) in ` +
    `units of the noise variance; a change counts when it is at least the metric's compare threshold), red for ` +
    `worse, green for better. Series with changes come ` +
    `first.</p>
${changed.map((s) => chart(h, s)).join('\n')}
<h2>Runs</h2><table><tr><th>#</th><th>run</th><th>started</th><th>commit</th></tr>${runs}</table>
</body></html>
`
  );
}
