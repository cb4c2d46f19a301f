// compare.md (short, for a CI job summary or a pull-request comment: regressions first),
// compare.csv and compare.json (every row, for scripts), compare.html (self-contained).
import { portableReplacer } from '../../core/util/json.ts';
import { toCsv } from '../report/csv.ts';
import type { TopLevelSpec } from 'vega-lite';
import { cell, esc, formatNumber } from '../report/format.ts';
import { M, metricInfo } from '../../measure/metrics/catalog.ts';
import { SCORE_METRICS } from '../../run/results/scores.ts';

import { renderSvg } from '../report/charts.ts';
import type { Comparison, CompareRow } from './compare.ts';
import { STANDARD } from '../../run/experiment/grid.ts';

const ORDER: Record<string, number> = { regressed: 0, improved: 1, changed: 2, '~': 3 };
const sorted = (rows: readonly CompareRow[]) => [...rows].sort((a, b) => ORDER[a.verdict]! - ORDER[b.verdict]! || (a.q || 1) - (b.q || 1));
/** A row's arm (the optimizer, with the model and regime where the runs have several), perturbation and metric. */
const label = (r: CompareRow, models: boolean) =>
  [
    r.optimizer,
    ...(models ? [r.model] : []),
    ...(r.regime && r.regime !== STANDARD ? [r.regime] : []),
    `${r.perturbation}${r.severity ? ` ${formatNumber(r.severity)}` : ''}`,
    r.metric,
  ]
    .map(md)
    .join(' · ');
const manyModels = (rows: readonly CompareRow[]) => new Set(rows.filter((r) => r.perturbation !== 'timing').map((r) => r.model)).size > 1;

/**
 * Text from a run (labels, paths) made inert in markdown, as `esc` does for HTML: a job
 * summary renders HTML and markdown, so neither tags nor table pipes nor links get through.
 */
export const md = (s: unknown): string =>
  String(s)
    .replace(/[\\`*_[\]#|!~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
const num = (v: number) => (Number.isFinite(v) ? formatNumber(v) : '–');
/** Four significant digits: enough to read a table; compare.csv/json keep every digit. */
const short = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '–');

export function headline(c: Comparison): string {
  if (c.identical) return 'Results are bit-identical to the baseline: no change.';
  const counts = (rows: readonly CompareRow[]) =>
    ['regressed', 'improved', 'changed'].map((v) => `${rows.filter((r) => r.verdict === v).length} ${v}`).join(', ');
  return `${c.regressions > 0 ? 'REGRESSION' : 'No regression'}: ${counts(c.rows)} of ${c.rows.length} rows.`;
}

function notes(c: Comparison): string[] {
  const n = Math.min(...c.rows.map((r) => Math.min(r.nBaseline, r.nCurrent)));
  const out = [
    `Significance: p-values across seeds (paired t-test where both runs hold the same seeds, Welch's otherwise), ` +
      `${c.correction} correction across all ${c.rows.length} rows at a false-discovery rate of ${c.alpha}; a ` +
      `verdict also needs a change beyond the metric's threshold.`,
  ];
  if (c.engineDifferences.length) {
    out.push(
      `The runs were computed by different software or kernels (${c.engineDifferences.join('; ')}): small ` +
        `differences in every row, and no bit-identity, are expected from that alone.`,
    );
  }
  if (c.untested > 0) out.push(`${c.untested} row(s) have fewer than 2 seeds on a side: n is too small to detect anything there; they are shown as ~.`);
  else if (Number.isFinite(n) && n < 5)
    out.push(
      `With ${n} seeds per side only large, consistent changes can reach significance after correction; ~ means "no detectable change", not "no change".`,
    );
  return out;
}

export function renderMarkdown(c: Comparison): string {
  const lines = [`## optrobust compare`, '', `**${headline(c)}**`, '', `baseline ${md(c.baseline)} → current ${md(c.current)}`, ''];
  if (c.setupDifferences.length)
    lines.push('**The runs differ in setup** (compared anyway with --allow-mismatch):', '', ...c.setupDifferences.map((d) => `- ${md(d)}`), '');
  if (c.missingCells.length)
    lines.push(
      `**The current run lacks ${c.missingCells.length} cell(s) the baseline has** (compared anyway with ` +
        `--allow-partial): ${c.missingCells.map(md).join(', ')}`,
      '',
    );
  const models = manyModels(c.rows);
  const table = (rows: readonly CompareRow[]) => [
    '| verdict | row | baseline | current | delta (95% CI) | p | q |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.verdict} | ${label(r, models)} | ${short(r.baseline)} | ${short(r.current)} | ${short(r.delta)} ` +
        `(${short(r.ciLow)}, ${short(r.ciHigh)}) | ${short(r.p)} | ${short(r.q)} |`,
    ),
  ];
  if (!c.identical) {
    const flagged = sorted(c.rows).filter((r) => r.verdict !== '~');
    lines.push(flagged.length ? table(flagged).join('\n') : 'No row changed significantly (all ~).', '');
  }
  const perfFlagged = sorted(c.perfRows).filter((r) => r.verdict !== '~');
  if (c.perfRows.length) {
    lines.push('### Timings (reported, never failing the job unless --fail-on-perf)', '');
    lines.push(perfFlagged.length ? table(perfFlagged).join('\n') : `No significant timing change across ${c.perfRows.length} timing rows.`, '');
  }
  lines.push(...notes(c).map((n) => `_${n}_`), '', 'Every row: compare.csv / compare.json.', '');
  return lines.join('\n');
}

export const CSV_COLUMNS = [
  'section',
  'verdict',
  'model',
  'regime',
  'optimizer',
  'perturbation',
  'severity',
  'metric',
  'direction',
  'n_baseline',
  'n_current',
  'baseline',
  'current',
  'delta',
  'delta_ci95_low',
  'delta_ci95_high',
  'test',
  'p_value',
  'q_value',
  'note',
] as const;

export function renderCsv(c: Comparison): string {
  const rows = [...c.rows.map((r) => ['results', r] as const), ...c.perfRows.map((r) => ['timing', r] as const)].map(([section, r]) =>
    [
      section,
      r.verdict,
      r.model,
      r.regime,
      r.optimizer,
      r.perturbation,
      r.severity,
      r.metric,
      r.direction,
      r.nBaseline,
      r.nCurrent,
      r.baseline,
      r.current,
      r.delta,
      r.ciLow,
      r.ciHigh,
      r.test,
      r.p,
      r.q,
      r.note ?? '',
    ].map(cell),
  );
  return toCsv(CSV_COLUMNS, rows);
}

/**
 * compare.json: standard JSON, so numbers JSON cannot hold (NaN, ±Infinity) are written as the
 * strings "NaN", "Infinity", "-Infinity", which JavaScript's Number() and Python's float() read back.
 */
export function renderJson(c: Comparison): string {
  return `${JSON.stringify({ format: 'optrobust-compare/1', headline: headline(c), ...c }, portableReplacer, 2)}\n`;
}

/** compare.md when the comparison was refused: the reason, so a job summary never shows nothing. */
export function renderRefusal(reason: string): string {
  return ['## optrobust compare', '', '**REFUSED: nothing was compared.**', '', ...reason.split('\n').map((l) => md(l)), ''].join('\n');
}

/** Baseline and current accuracy per optimizer and (perturbation, severity). */
function accuracySpec(c: Comparison): TopLevelSpec {
  const values = c.rows
    .filter((r) => r.metric === M.accuracy.name)
    .flatMap((r) => [
      { row: `${r.perturbation} ${formatNumber(r.severity)}`, optimizer: r.optimizer, run: 'baseline', accuracy: r.baseline, verdict: r.verdict },
      { row: `${r.perturbation} ${formatNumber(r.severity)}`, optimizer: r.optimizer, run: 'current', accuracy: r.current, verdict: r.verdict },
    ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'accuracy: baseline (hollow) vs current (filled)',
    data: { values },
    facet: { column: { field: 'optimizer', type: 'nominal', title: null } },
    spec: {
      width: 180,
      height: { step: 14 },
      mark: { type: 'point', size: 50 },
      encoding: {
        y: { field: 'row', type: 'nominal', title: null, sort: null },
        x: { field: 'accuracy', type: 'quantitative', scale: { zero: false } },
        color: { field: 'run', type: 'nominal', scale: { domain: ['baseline', 'current'], range: ['#0072B2', '#D55E00'] } },
        fill: { field: 'run', type: 'nominal', scale: { domain: ['baseline', 'current'], range: ['transparent', '#D55E00'] }, legend: null },
      },
    },
  };
}

/** A value as people read it: fractions (accuracy) as percentages, deltas of them in points; p and q to 2 digits. */
const fraction = (metric: string) => metricInfo(metric)?.unit === 'fraction';
const value = (r: CompareRow, v: number) => (!Number.isFinite(v) ? '–' : fraction(r.metric) ? `${(100 * v).toFixed(1)}%` : short(v));
/** Points with their sign; a change that rounds to zero is 0.0, neither +0.0 nor -0.0. */
const signedPoints = (v: number) => {
  const text = Math.abs(100 * v).toFixed(1);
  return text === '0.0' ? text : `${v > 0 ? '+' : '-'}${text}`;
};
const points = (r: CompareRow, v: number) => (!Number.isFinite(v) ? '–' : fraction(r.metric) ? signedPoints(v) : short(v));
const chance = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(2))) : '–');

/** Bit-identical runs: the headline says it all; the rows stay one click away. */
function results(c: Comparison, chart: string, rows: string): string {
  if (!c.identical) return `${chart}<h2>Every row, by optimizer</h2>${rows}`;
  return `<details id="rows"><summary>All ${c.rows.length} rows (every one identical)</summary>${rows}</details>`;
}

/** A row's arm as the groups name it: the optimizer, with the model and regime where the runs have several. */
const armOf = (r: CompareRow, models: boolean) =>
  [r.optimizer, ...(models ? [r.model] : []), ...(r.regime && r.regime !== STANDARD ? [r.regime] : [])].join(' · ');
/** The headline score of a perturbation: clean accuracy, else the mean accuracy across the sweep. */
const isHeadline = (r: CompareRow) => (r.perturbation === 'clean' && r.metric === M.accuracy.name) || r.metric === M.auc.name;
const rowClass = (r: CompareRow) => `${r.verdict === '~' ? 'same' : esc(r.verdict)}${isHeadline(r) ? ' headline' : ''}`;
const order = <T>(xs: readonly T[]) => [...new Set(xs)];

const HEAD =
  '<thead><tr><th>verdict</th><th>perturbation</th><th>severity</th><th>metric</th><th>baseline</th><th>current</th>' +
  '<th>delta (95% CI)</th><th>p</th><th>q</th></tr></thead>';

function rowCells(r: CompareRow): string {
  const unit = fraction(r.metric) ? ' pts' : '';
  const cells = [
    esc(r.verdict),
    esc(r.perturbation),
    // A score is one number per sweep: its severity is no severity.
    SCORE_METRICS.has(r.metric) ? '–' : num(r.severity),
    esc(r.metric),
    value(r, r.baseline),
    value(r, r.current),
    `${points(r, r.delta)}${unit} <small>(${points(r, r.ciLow)}, ${points(r, r.ciHigh)})</small>`,
    chance(r.p),
    chance(r.q),
  ];
  return `<tr class="${rowClass(r)}">${cells.map((x) => `<td>${x}</td>`).join('')}</tr>`;
}

/** Per optimizer, its headline score under each perturbation: baseline → current and the change in points, coloured by verdict. */
function headlineTable(c: Comparison, models: boolean): string {
  const rows = c.rows.filter(isHeadline);
  if (!rows.length) return '';
  const arms = order(rows.map((r) => armOf(r, models)));
  const perturbations = order(['clean', ...rows.map((r) => r.perturbation)]).filter((p) => rows.some((r) => r.perturbation === p));
  const body = arms.map((arm) => {
    const cells = perturbations.map((p) => {
      const r = rows.find((x) => armOf(x, models) === arm && x.perturbation === p);
      if (!r) return '<td>–</td>';
      const mark = r.verdict === 'regressed' ? '▼ ' : r.verdict === 'improved' ? '▲ ' : '';
      // Current over the change: narrow enough for 13 perturbations in 1280 px; the baseline in the tooltip and the rows below.
      const title = `${value(r, r.baseline)} → ${value(r, r.current)}: ${esc(r.verdict)}, q = ${chance(r.q)}`;
      return `<td class="${rowClass(r)}" title="${title}">${mark}${value(r, r.current)}<br><small>${points(r, r.delta)}</small></td>`;
    });
    return `<tr><th><a href="#arm-${esc(arm)}">${esc(arm)}</a></th>${cells.join('')}</tr>`;
  });
  return (
    `<h2>Headline per optimizer</h2><p><small>Clean accuracy and, per perturbation, the mean accuracy across its sweep ` +
    `(accuracy_auc): the current run's, and under it the change from the baseline in points (hover for both values); ` +
    `▼ regressed, ▲ improved (verdicts as in the rows below).</small></p>` +
    `<div class="fit"><table class="headline"><thead><tr><th>optimizer</th>${perturbations.map((p) => `<th>${esc(p)}</th>`).join('')}</tr></thead>` +
    `<tbody>${body.join('')}</tbody></table></div>`
  );
}

/** Every row, one group per optimizer (perturbations in run order), with a filter that needs no script (radio buttons and CSS). */
function groupedRows(c: Comparison, models: boolean): string {
  const arms = order(c.rows.map((r) => armOf(r, models)));
  const perturbations = order(c.rows.map((r) => r.perturbation));
  const groups = arms.map((arm) => {
    const mine = c.rows
      .filter((r) => armOf(r, models) === arm)
      .sort((a, b) => perturbations.indexOf(a.perturbation) - perturbations.indexOf(b.perturbation) || a.severity - b.severity);
    const counts = ['regressed', 'improved', 'changed'].map((v) => `${mine.filter((r) => r.verdict === v).length} ${v}`).join(', ');
    return (
      `<section class="arm" id="arm-${esc(arm)}"><h3>${esc(arm)} <small>${counts} of ${mine.length} rows</small></h3>` +
      `<table>${HEAD}<tbody>${mine.map(rowCells).join('')}</tbody></table></section>`
    );
  });
  const filters = [
    ['all', 'all rows', true],
    ['changes', 'changes only'],
    ['regressions', 'regressions only'],
    ['headline', 'headline scores only'],
  ] as const;
  const radios = filters.map(
    ([id, text, on]) => `<input type="radio" name="show" id="show-${id}"${on ? ' checked' : ''}><label for="show-${id}">${text}</label> `,
  );
  return `${radios.join('')}<div id="groups">${groups.join('')}</div>`;
}

export async function renderHtml(c: Comparison): Promise<string> {
  const models = manyModels(c.rows);
  const timings = (rows: readonly CompareRow[]) =>
    `<table><thead><tr><th>verdict</th><th>what</th><th>severity</th><th>metric</th><th>baseline</th><th>current</th><th>delta ` +
    `(95% CI)</th><th>p</th><th>q</th></tr></thead><tbody>${sorted(rows).map(rowCells).join('')}</tbody></table>`;
  const chart = c.rows.some((r) => r.metric === M.accuracy.name) ? `<figure>${await renderSvg(accuracySpec(c))}</figure>` : '';
  const css =
    `body{font:14px/1.45 system-ui,sans-serif;max-width:1880px;margin:0 ` +
    `auto;padding:16px;box-sizing:border-box}p{max-width:80em}table{border-collapse:collapse;font-size:.9em}td,th{padding:2px 8px;border-bottom:1px solid ` +
    `#eee;text-align:left}.regressed td:first-child,td.regressed{color:#D55E00;font-weight:bold}.improved ` +
    `td:first-child,td.improved{color:#0072B2;font-weight:bold}.same{color:#666}.box{border:2px solid #D55E00;padding:4px ` +
    `12px}svg{max-width:100%;height:auto}.fit{max-width:100%;overflow-x:auto}` +
    `table.headline td,table.headline th{white-space:nowrap;text-align:right}table.headline th:first-child{text-align:left}` +
    `section.arm{display:inline-block;vertical-align:top;margin:0 24px 12px 0}input[name=show]{margin-left:12px}` +
    `#show-changes:checked~#groups tbody tr.same,#show-regressions:checked~#groups tbody tr:not(.regressed),` +
    `#show-headline:checked~#groups tbody tr:not(.headline){display:none}@media print{body{max-width:none}}`;
  const mismatch = c.setupDifferences.length
    ? `<div class="box"><b>The runs differ in setup</b><ul>${c.setupDifferences.map((d) => `<li>${esc(d)}</li>`).join('')}</ul></div>`
    : '';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>optrobust compare</title><style>${css}</style></head><body>
<h1>optrobust compare</h1><p><b>${esc(headline(c))}</b></p><p>baseline <code>${esc(c.baseline)}</code> → current <code>${esc(c.current)}</code></p>${mismatch}
${notes(c)
  .map((n) => `<p><small>${esc(n)}</small></p>`)
  .join('')}
${c.identical ? '' : headlineTable(c, models)}${results(c, chart, groupedRows(c, models))}${c.perfRows.length ? `<h2>Timings</h2>${timings(c.perfRows)}` : ''}
</body></html>\n`;
}
