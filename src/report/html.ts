// report.html: one self-contained page (inline CSS and SVG, no scripts, no network).
// Every string that comes from a suite or a file goes through `esc`.
import type { Suite } from '../experiment/suite.ts';
import type { RunManifest } from '../experiment/manifest.ts';
import { CLEAN } from '../perturb/registry.ts';
import { getPerturbation } from '../perturb/registry.ts';
import { mean } from '../metrics/summary.ts';
import { armName, type RunView, type SummaryRow } from '../results/view.ts';
import { armId, suiteModels, type ArmKey } from '../experiment/grid.ts';
import { phaseResults } from '../experiment/phase.ts';
import { main } from '../experiment/phases/main.ts';
import { tune } from '../experiment/phases/tune.ts';
import { taskLabel } from '../experiment/run.ts';
import { bandChart, curveChart, renderSvg, type BandPoint, type CurvePoint } from './charts.ts';
import { formatNumber } from './format.ts';

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1) : '–');
const SIGNIFICANT = 0.05;


function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function alerts(view: RunView): string {
  const items: string[] = [];
  for (const r of view.records) {
    if (r.kind === 'failure') items.push(`<li><b>failed</b>: ${esc(taskLabel(view.suite, r))}: <code>${esc(r.error.split('\n')[0])}</code></li>`);
  }
  for (const { key, result } of phaseResults(view.records, main)) {
    if (result.diverged) items.push(`<li><b>diverged</b>: ${esc(taskLabel(view.suite, { phase: 'main', key }))} at step ${result.diverged.step} (epoch ${result.diverged.epoch}); its robustness metrics are absent</li>`);
  }
  return items.length ? `<div class="alert" role="alert"><h2>Cells to look at</h2><ul>${items.join('')}</ul></div>` : '';
}

function configuration(view: RunView, manifest?: RunManifest): string {
  const { suite } = view;
  const rows: [string, string][] = [
    ['suite', esc(suite.name)],
    ['description', esc(suite.description)],
    ['dataset', `${esc(suite.dataset)}${suite.trainLimit ? ` (first ${suite.trainLimit} train)` : ''}${suite.testLimit ? ` (first ${suite.testLimit} test)` : ''}`],
    ['model', esc(suiteModels(suite).map((m) => (suite.models ? `${m.label}: ${JSON.stringify(m.spec)}` : m.label)).join('; '))],
    ['batch size, epochs', `${suite.batchSize}, ${suite.epochs}`],
    ['seeds', esc(suite.seeds.join(', '))],
    ['reference optimizer', esc(suite.reference)],
  ];
  const env = manifest?.environment;
  if (env) rows.push(['environment', esc(`optrobust ${env.optrobust}, Node ${env.node}, onnxruntime-node ${env.onnxruntime}, ${env.platform}, ${env.cpu} (${env.cores} cores)`)]);
  if (manifest?.timings.wallSeconds !== undefined) rows.push(['wall time', `${manifest.timings.wallSeconds.toFixed(1)} s (${manifest.timings.workers} workers)`]);
  const tuned = view.tuning;
  const opt = view.arms.map((a) => [
    esc(armName(view, a)),
    esc(a.entry.name),
    esc(JSON.stringify(a.entry.options)),
    ...(tuned ? [tuned.get(a.id) ? formatNumber(tuned.get(a.id)!.lr) : '–'] : []),
    esc(a.entry.schedule ? JSON.stringify(a.entry.schedule) : 'constant'),
  ]);
  const head = ['arm', 'algorithm', 'options', ...(tuned ? ['tuned lr (used instead of options.lr)'] : []), 'schedule'];
  return `<section><h2>Configuration</h2>${table(['', ''], rows.map(([k, v]) => [`<b>${k}</b>`, v]), 'kv')}${table(head, opt)}</section>`;
}

function perturbationNames(suite: Suite): string[] {
  return Object.keys(suite.perturbations).filter((p) => p !== CLEAN);
}

async function robustnessCharts(view: RunView): Promise<string> {
  const { suite } = view;
  const labels = view.arms.map((a) => armName(view, a));
  const acc = view.summary.filter((r) => r.metric === 'accuracy');
  const charts: string[] = [];
  for (const p of perturbationNames(suite)) {
    const points: BandPoint[] = acc
      .filter((r) => r.perturbation === p || r.perturbation === CLEAN)
      .map((r) => ({ optimizer: armName(view, r.arm), x: r.severity, mean: r.stats.mean, low: r.stats.ciLow, high: r.stats.ciHigh }));
    const unit = getPerturbation(p).severity.unit;
    charts.push(`<figure>${await renderSvg(bandChart(p, `severity (${unit}; 0 = clean)`, 'test accuracy', points, labels))}</figure>`);
  }
  return `<section><h2>Robustness: accuracy against severity</h2><p>Mean over seeds; the band is the Student-t 95% interval.</p><div class="grid">${charts.join('')}</div></section>`;
}

function accuracyTable(view: RunView, metric = 'accuracy', title = 'Accuracy (%), mean ± 95% CI half-width', intro = ''): string {
  const { suite } = view;
  const acc = view.summary.filter((r) => r.metric === metric);
  if (acc.length === 0) return '';
  const columns = [{ p: CLEAN, s: 0 }, ...perturbationNames(suite).flatMap((p) => suite.perturbations[p]!.map((s) => ({ p, s })))];
  const rows = view.arms.map((a) => [
    `<b>${esc(armName(view, a))}</b>`,
    ...columns.map(({ p, s }) => {
      const r = acc.find((x) => armId(x.arm) === a.id && x.perturbation === p && x.severity === s);
      if (!r) return '–';
      const half = (r.stats.ciHigh - r.stats.ciLow) / 2;
      const sig = r.vsReference && r.vsReference.p < SIGNIFICANT;
      const mark = sig ? `<span class="sig" title="differs from ${esc(suite.reference)}: diff ${pct(r.vsReference!.diff)} pts, p = ${formatNumber(r.vsReference!.p)}">${r.vsReference!.diff > 0 ? '▲' : '▼'}</span>` : '';
      return `${pct(r.stats.mean)}${Number.isFinite(half) ? `<small> ±${pct(half)}</small>` : ''}${mark}`;
    }),
  ]);
  const head = ['arm', ...columns.map(({ p, s }) => (p === CLEAN ? 'clean' : `${esc(p)}<br><small>${formatNumber(s)}</small>`))];
  return `<section><h2>${title}</h2>${intro}<p>▲/▼: differs from the reference optimizer <b>${esc(suite.reference)}</b> in a paired t-test over seeds (p &lt; ${SIGNIFICANT}, uncorrected).</p><div class="scroll">${table(head, rows, 'num')}</div></section>`;
}

async function trainingCharts(view: RunView): Promise<string> {
  const labels = view.arms.map((a) => armName(view, a));
  const grad: CurvePoint[] = [];
  const loss: CurvePoint[] = [];
  const results = phaseResults(view.records, main);
  for (const a of view.arms) {
    const bySteps = new Map<number, { g: number[]; l: number[] }>();
    for (const { key, result } of results) {
      if (armId(key) !== a.id) continue;
      for (const s of result.steps) {
        const e = bySteps.get(s.step) ?? { g: [], l: [] };
        e.g.push(s.gradNorm);
        e.l.push(s.loss);
        bySteps.set(s.step, e);
      }
    }
    for (const [step, e] of [...bySteps].sort((x, y) => x[0] - y[0])) {
      grad.push({ optimizer: armName(view, a), step, value: mean(e.g) });
      loss.push({ optimizer: armName(view, a), step, value: mean(e.l) });
    }
  }
  const g = await renderSvg(curveChart('gradient norm (global L2, mean over seeds)', '‖∇L‖ (log scale)', grad, labels, true));
  const l = await renderSvg(curveChart('training loss (mean over seeds)', 'loss (log scale)', loss, labels, true));
  return `<section><h2>Training</h2><div class="grid"><figure>${g}</figure><figure>${l}</figure></div></section>`;
}

function inputGradientTable(view: RunView): string {
  const metrics = ['input_grad_l2_mean', 'input_grad_l2_median', 'input_grad_l2_p95', 'input_grad_l1_mean', 'input_grad_l1_median', 'input_grad_l1_p95'];
  const rows = view.arms.map((a) => [
    `<b>${esc(armName(view, a))}</b>`,
    ...metrics.map((m) => {
      const r = view.summary.find((s) => armId(s.arm) === a.id && s.metric === m);
      return r ? r.stats.mean.toPrecision(4) : '–';
    }),
  ]);
  const head = ['arm', 'L2 mean', 'L2 median', 'L2 p95', 'L1 mean', 'L1 median', 'L1 p95'];
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

async function tuningSection(view: RunView): Promise<string> {
  const { suite } = view;
  const choices = view.tuning;
  if (!choices) return '';
  const metric = suite.tune?.metric ?? 'accuracy';
  const named = view.arms.filter((a) => choices.has(a.id)).map((a) => [armName(view, a), choices.get(a.id)!] as const);
  const points: BandPoint[] = named.flatMap(([optimizer, c]) => c.scores.filter((s) => Number.isFinite(s.score)).map((s) => ({ optimizer, x: Math.log10(s.lr), mean: s.score, low: Number.NaN, high: Number.NaN })));
  const chart = await renderSvg(bandChart('validation score against learning rate', 'log10(learning rate)', `validation ${metric}`, points, named.map(([n]) => n)));
  const rows = named.map(([label, c]) => [
    `<b>${esc(label)}</b>`,
    formatNumber(c.lr),
    esc(c.scores.map((s) => formatNumber(s.lr)).join(', ')),
    c.atEdge ? `<span class="edge">⚠ at the ${c.atEdge} edge of the grid: widen it</span>` : 'inside the grid',
  ]);
  const edges = named.filter(([, c]) => c.atEdge).length;
  const trials = phaseResults(view.records, tune).length;
  return `<section><h2>Learning-rate tuning</h2><p>${trials} trials: each arm trained at every grid point on the training set minus a fixed validation split (${formatNumber(100 * (suite.tune?.validationFraction ?? 0.1))}% of it, the same for every arm; the test set is never used), seeds ${esc((suite.tune?.seeds ?? [suite.seeds[0]]).join(', '))}; the best mean validation ${metric} picks the learning rate used by the grid. Diverged trials score worst.${edges ? ` <b>${edges} choice(s) sit at the edge of the grid.</b>` : ''}</p><div class="grid"><figure>${chart}</figure>${table(['arm', 'chosen lr', 'grid', ''], rows)}</div></section>`;
}

function matchedSection(view: RunView): string {
  const { suite } = view;
  const steps = view.summary.filter((r) => r.metric === 'matched_step');
  if (steps.length === 0) return '';
  const gaps = view.summary.filter((r) => r.metric === 'matched_gap');
  const worst = Math.max(...gaps.map((g) => Math.abs(g.stats.mean)));
  const intro = `<p>Robustness differences can be plain accuracy differences. Here every (arm, seed) is evaluated at the checkpoint (measured ${suite.tune?.checkpoints ?? 10} times per epoch) whose validation accuracy is closest to a common target: ${suite.tune?.matchTarget !== undefined ? `the suite's target ${pct(suite.tune.matchTarget)}%` : 'the lowest final validation accuracy among the arms of a model (mean over seeds)'}. Checkpoints: ${steps.map((e) => `${esc(armName(view, e.arm))} step ${Number(e.stats.mean.toFixed(1))}`).join(', ')} (mean over seeds); the largest gap to the target is ${pct(worst)} points.</p>`;
  return accuracyTable(view, 'matched_accuracy', 'Robustness at matched clean accuracy (%), mean ± 95% CI half-width', intro);
}

export async function reportHtml(view: RunView, manifest?: RunManifest): Promise<string> {
  const { suite } = view;
  const body = [
    `<h1>optrobust report: ${esc(suite.name)}</h1>`,
    `<p>${esc(suite.description)}</p>`,
    alerts(view),
    await robustnessCharts(view),
    accuracyTable(view),
    matchedSection(view),
    await tuningSection(view),
    await trainingCharts(view),
    inputGradientTable(view),
    configuration(view, manifest),
    `<footer><small>Made by optrobust. Result files: results.csv, summary.csv, steps.csv, layers.csv (see reports/README.md).</small></footer>`,
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>optrobust: ${esc(suite.name)}</title><style>${CSS}</style></head><body>\n${body}\n</body></html>\n`;
}
