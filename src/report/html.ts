// report.html: one self-contained page (inline CSS and SVG, no scripts, no network).
// Every string that comes from a suite or a file goes through `esc`.
import type { Suite } from '../experiment/suite.ts';
import type { CellRecord } from '../experiment/store.ts';
import type { RunManifest } from '../experiment/manifest.ts';
import { modelLabel } from '../model/families/registry.ts';
import { CLEAN } from '../perturb/registry.ts';
import { getPerturbation } from '../perturb/registry.ts';
import { mean } from '../metrics/summary.ts';
import type { SummaryRow } from './summary-csv.ts';
import { orderRecords } from './results-csv.ts';
import { bandChart, curveChart, renderSvg, type BandPoint, type CurvePoint } from './charts.ts';
import { formatNumber } from './format.ts';
import { tuningChoices } from './tuning-csv.ts';

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1) : '–');
const SIGNIFICANT = 0.05;

export interface ReportInput {
  readonly suite: Suite;
  readonly records: readonly CellRecord[];
  readonly summary: readonly SummaryRow[];
  readonly manifest?: RunManifest;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function alerts(suite: Suite, records: readonly CellRecord[]): string {
  const items: string[] = [];
  for (const r of orderRecords(suite, records)) {
    if (r.kind === 'failure') items.push(`<li><b>failed</b>${r.failure.phase && r.failure.phase !== 'main' ? ` (${esc(r.failure.phase)} phase)` : ''}: ${esc(r.failure.optimizer)} / seed ${r.failure.seed}: <code>${esc(r.failure.error.split('\n')[0])}</code></li>`);
    else if (r.kind === 'result' && r.result.diverged) items.push(`<li><b>diverged</b>: ${esc(r.result.optimizer)} / seed ${r.result.seed} at step ${r.result.diverged.step} (epoch ${r.result.diverged.epoch}); its robustness metrics are absent</li>`);
  }
  return items.length ? `<div class="alert" role="alert"><h2>Cells to look at</h2><ul>${items.join('')}</ul></div>` : '';
}

function configuration(suite: Suite, records: readonly CellRecord[], manifest?: RunManifest): string {
  const rows: [string, string][] = [
    ['suite', esc(suite.name)],
    ['description', esc(suite.description)],
    ['dataset', `${esc(suite.dataset)}${suite.trainLimit ? ` (first ${suite.trainLimit} train)` : ''}${suite.testLimit ? ` (first ${suite.testLimit} test)` : ''}`],
    ['model', esc(modelLabel(suite.model))],
    ['batch size, epochs', `${suite.batchSize}, ${suite.epochs}`],
    ['seeds', esc(suite.seeds.join(', '))],
    ['reference optimizer', esc(suite.reference)],
  ];
  const env = manifest?.environment;
  if (env) rows.push(['environment', esc(`optrobust ${env.optrobust}, Node ${env.node}, onnxruntime-node ${env.onnxruntime}, ${env.platform}, ${env.cpu} (${env.cores} cores)`)]);
  if (manifest?.timings.wallSeconds !== undefined) rows.push(['wall time', `${manifest.timings.wallSeconds.toFixed(1)} s (${manifest.timings.workers} workers)`]);
  const tuned = tuningChoices(suite, records);
  const opt = suite.optimizers.map((o) => [
    esc(o.label),
    esc(o.name),
    esc(JSON.stringify(o.options)),
    ...(tuned ? [tuned.get(o.label) ? formatNumber(tuned.get(o.label)!.lr) : '–'] : []),
    esc(o.schedule ? JSON.stringify(o.schedule) : 'constant'),
  ]);
  const head = ['optimizer', 'algorithm', 'options', ...(tuned ? ['tuned lr (used instead of options.lr)'] : []), 'schedule'];
  return `<section><h2>Configuration</h2>${table(['', ''], rows.map(([k, v]) => [`<b>${k}</b>`, v]), 'kv')}${table(head, opt)}</section>`;
}

function perturbationNames(suite: Suite): string[] {
  return Object.keys(suite.perturbations).filter((p) => p !== CLEAN);
}

async function robustnessCharts(suite: Suite, summary: readonly SummaryRow[]): Promise<string> {
  const labels = suite.optimizers.map((o) => o.label);
  const acc = summary.filter((r) => r.metric === 'accuracy');
  const charts: string[] = [];
  for (const p of perturbationNames(suite)) {
    const points: BandPoint[] = acc
      .filter((r) => r.perturbation === p || r.perturbation === CLEAN)
      .map((r) => ({ optimizer: r.optimizer, x: r.severity, mean: r.stats.mean, low: r.stats.ciLow, high: r.stats.ciHigh }));
    const unit = getPerturbation(p).severity.unit;
    charts.push(`<figure>${await renderSvg(bandChart(p, `severity (${unit}; 0 = clean)`, 'test accuracy', points, labels))}</figure>`);
  }
  return `<section><h2>Robustness: accuracy against severity</h2><p>Mean over seeds; the band is the Student-t 95% interval.</p><div class="grid">${charts.join('')}</div></section>`;
}

function accuracyTable(suite: Suite, summary: readonly SummaryRow[], metric = 'accuracy', title = 'Accuracy (%), mean ± 95% CI half-width', intro = ''): string {
  const acc = summary.filter((r) => r.metric === metric);
  if (acc.length === 0) return '';
  const columns = [{ p: CLEAN, s: 0 }, ...perturbationNames(suite).flatMap((p) => suite.perturbations[p]!.map((s) => ({ p, s })))];
  const rows = suite.optimizers.map((o) => [
    `<b>${esc(o.label)}</b>`,
    ...columns.map(({ p, s }) => {
      const r = acc.find((a) => a.optimizer === o.label && a.perturbation === p && a.severity === s);
      if (!r) return '–';
      const half = (r.stats.ciHigh - r.stats.ciLow) / 2;
      const sig = r.vsReference && r.vsReference.p < SIGNIFICANT;
      const mark = sig ? `<span class="sig" title="differs from ${esc(suite.reference)}: diff ${pct(r.vsReference!.diff)} pts, p = ${formatNumber(r.vsReference!.p)}">${r.vsReference!.diff > 0 ? '▲' : '▼'}</span>` : '';
      return `${pct(r.stats.mean)}${Number.isFinite(half) ? `<small> ±${pct(half)}</small>` : ''}${mark}`;
    }),
  ]);
  const head = ['optimizer', ...columns.map(({ p, s }) => (p === CLEAN ? 'clean' : `${esc(p)}<br><small>${formatNumber(s)}</small>`))];
  return `<section><h2>${title}</h2>${intro}<p>▲/▼: differs from the reference optimizer <b>${esc(suite.reference)}</b> in a paired t-test over seeds (p &lt; ${SIGNIFICANT}, uncorrected).</p><div class="scroll">${table(head, rows, 'num')}</div></section>`;
}

async function trainingCharts(suite: Suite, records: readonly CellRecord[]): Promise<string> {
  const labels = suite.optimizers.map((o) => o.label);
  const grad: CurvePoint[] = [];
  const loss: CurvePoint[] = [];
  for (const label of labels) {
    const bySteps = new Map<number, { g: number[]; l: number[] }>();
    for (const r of records) {
      if (r.kind !== 'result' || r.result.optimizer !== label) continue;
      for (const s of r.result.steps) {
        const e = bySteps.get(s.step) ?? { g: [], l: [] };
        e.g.push(s.gradNorm);
        e.l.push(s.loss);
        bySteps.set(s.step, e);
      }
    }
    for (const [step, e] of [...bySteps].sort((a, b) => a[0] - b[0])) {
      grad.push({ optimizer: label, step, value: mean(e.g) });
      loss.push({ optimizer: label, step, value: mean(e.l) });
    }
  }
  const g = await renderSvg(curveChart('gradient norm (global L2, mean over seeds)', '‖∇L‖ (log scale)', grad, labels, true));
  const l = await renderSvg(curveChart('training loss (mean over seeds)', 'loss (log scale)', loss, labels, true));
  return `<section><h2>Training</h2><div class="grid"><figure>${g}</figure><figure>${l}</figure></div></section>`;
}

function inputGradientTable(suite: Suite, summary: readonly SummaryRow[]): string {
  const metrics = ['input_grad_l2_mean', 'input_grad_l2_median', 'input_grad_l2_p95', 'input_grad_l1_mean', 'input_grad_l1_median', 'input_grad_l1_p95'];
  const rows = suite.optimizers.map((o) => [
    `<b>${esc(o.label)}</b>`,
    ...metrics.map((m) => {
      const r = summary.find((s) => s.optimizer === o.label && s.metric === m);
      return r ? r.stats.mean.toPrecision(4) : '–';
    }),
  ]);
  const head = ['optimizer', 'L2 mean', 'L2 median', 'L2 p95', 'L1 mean', 'L1 median', 'L1 p95'];
  return `<section><h2>Input-gradient norms on clean test data</h2><p>Per example, the norm of the gradient of its loss with respect to its pixels, summarised over the test set; mean over seeds. Larger L1 means a larger first-order loss increase per unit of L∞ attack budget.</p>${table(head, rows, 'num')}</section>`;
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1240px;padding:16px 20px;color:#1b1b1b}
h1{font-size:1.6em;margin:.2em 0} h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em} th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
table.num td:not(:first-child){text-align:right;white-space:nowrap} small{color:#666}
.grid{display:flex;flex-wrap:wrap;gap:12px} figure{margin:0} svg{max-width:100%;height:auto}
.alert{border:2px solid #D55E00;background:#fff4ec;padding:4px 14px;margin:1em 0} .alert h2{border:0;margin:.4em 0}
.sig{color:#0072B2;margin-left:3px} .edge{color:#D55E00;font-weight:bold} .scroll{overflow-x:auto} code{font-size:.9em}
@media print{body{max-width:none;font-size:11px}.scroll{overflow:visible}section{break-inside:avoid}}
`;

async function tuningSection(suite: Suite, records: readonly CellRecord[]): Promise<string> {
  const choices = tuningChoices(suite, records);
  if (!choices) return '';
  const metric = suite.tune?.metric ?? 'accuracy';
  const points: BandPoint[] = [...choices].flatMap(([optimizer, c]) =>
    c.scores.filter((s) => Number.isFinite(s.score)).map((s) => ({ optimizer, x: Math.log10(s.lr), mean: s.score, low: Number.NaN, high: Number.NaN })),
  );
  const labels = suite.optimizers.map((o) => o.label).filter((l) => choices.has(l));
  const chart = await renderSvg(bandChart('validation score against learning rate', 'log10(learning rate)', `validation ${metric}`, points, labels));
  const rows = [...choices].map(([label, c]) => [
    `<b>${esc(label)}</b>`,
    formatNumber(c.lr),
    esc(c.scores.map((s) => formatNumber(s.lr)).join(', ')),
    c.atEdge ? `<span class="edge">⚠ at the ${c.atEdge} edge of the grid: widen it</span>` : 'inside the grid',
  ]);
  const edges = [...choices.values()].filter((c) => c.atEdge).length;
  return `<section><h2>Learning-rate tuning</h2><p>Each optimizer trained at every grid point on the training set minus a fixed validation split (${formatNumber(100 * (suite.tune?.validationFraction ?? 0.1))}% of it, the same for every optimizer; the test set is never used), seeds ${esc((suite.tune?.seeds ?? [suite.seeds[0]]).join(', '))}; the best mean validation ${metric} picks the learning rate used by the grid. Diverged trials score worst.${edges ? ` <b>${edges} choice(s) sit at the edge of the grid.</b>` : ''}</p><div class="grid"><figure>${chart}</figure>${table(['optimizer', 'chosen lr', 'grid', ''], rows)}</div></section>`;
}

function matchedSection(suite: Suite, summary: readonly SummaryRow[]): string {
  const epochs = summary.filter((r) => r.metric === 'matched_epoch');
  if (epochs.length === 0) return '';
  const intro = `<p>Robustness differences can be plain accuracy differences. Here every (optimizer, seed) is evaluated at the end-of-epoch checkpoint whose validation accuracy is closest to a common target: ${suite.tune?.matchTarget !== undefined ? `the suite's target ${pct(suite.tune.matchTarget)}%` : 'the lowest final validation accuracy among the optimizers (mean over seeds)'}. Checkpoints: ${epochs.map((e) => `${esc(e.optimizer)} epoch ${Number(e.stats.mean.toFixed(1))}`).join(', ')} (mean over seeds).</p>`;
  return accuracyTable(suite, summary, 'matched_accuracy', 'Robustness at matched clean accuracy (%), mean ± 95% CI half-width', intro);
}

export async function reportHtml({ suite, records, summary, manifest }: ReportInput): Promise<string> {
  const body = [
    `<h1>optrobust report: ${esc(suite.name)}</h1>`,
    `<p>${esc(suite.description)}</p>`,
    alerts(suite, records),
    await robustnessCharts(suite, summary),
    accuracyTable(suite, summary),
    matchedSection(suite, summary),
    await tuningSection(suite, records),
    await trainingCharts(suite, records),
    inputGradientTable(suite, summary),
    configuration(suite, records, manifest),
    `<footer><small>Made by optrobust. Result files: results.csv, summary.csv, steps.csv (see reports/README.md).</small></footer>`,
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>optrobust: ${esc(suite.name)}</title><style>${CSS}</style></head><body>\n${body}\n</body></html>\n`;
}
