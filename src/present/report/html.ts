// report.html: one self-contained page (inline CSS and SVG, no scripts, no network) that
// leads with findings: per model, which optimizer is most robust under each perturbation
// and by how much against the reference (summary scores with paired intervals and
// Benjamini-Hochberg-corrected marks, as compare computes them), the clean-versus-robust
// trade-off, and a forest plot of the differences. Curves, per-severity tables (folded),
// the matched-accuracy view, tuning, training, gradients through depth and the
// configuration follow. Accuracy is in percent everywhere. Every string from a suite or a
// file goes through `esc`.
import type { RunManifest } from '../../run/experiment/manifest.ts';
import { CLEAN, getPerturbation } from '../../measure/perturb/registry.ts';
import { describe } from '../../measure/metrics/stats.ts';
import { FAMILY, INPUT_GRAD_STATS, M, metricInfo, stageMetric, statName } from '../../measure/metrics/catalog.ts';
import { armName, type RunView, type SummaryRow } from '../../run/results/view.ts';
import { ALL } from '../../run/results/scores.ts';
import { armId, STANDARD, suiteModels, type Arm, type ArmKey } from '../../run/experiment/grid.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { checkpointsPerEpoch, main, type CellResult } from '../../run/experiment/phases/main.ts';
import { paramsText, tune, tuneBudget, tuneMethod, tuneSeeds } from '../../run/experiment/phases/tune.ts';
import type { TuneChoice } from '../../run/tune/choose.ts';
import type { Dimension } from '../../core/optim/space.ts';
import { taskLabel } from '../../run/experiment/run.ts';
import { phaseNamed } from '../../run/experiment/phases/index.ts';
import {
  bandPanels,
  depthPanels,
  forestPlot,
  renderSvg,
  tradeOffScatter,
  trialScatter,
  type BandPoint,
  type DepthPoint,
  type ForestRow,
  type ScatterPoint,
} from './charts.ts';
import { formatNumber } from './format.ts';
import { relationsSection } from './relations-section.ts';
import { fourierSection } from './fourier.ts';
import { classesSection } from './classes.ts';
import { GALLERY_CSS, gallerySection } from './gallery.ts';
import { MAX_SEEDS, STATED_DIFFERENCE } from '../../measure/metrics/power.ts';
import { decisiveness } from '../../run/results/decisiveness.ts';
import { confusionSection } from './confusion.ts';
import { nearChance, nearChanceText, unnormalised, unnormalisedText } from '../../run/results/chance.ts';
import { maskingFlags, maskingSentences } from '../../run/results/masking-flags.ts';

import { esc } from './format.ts';
import { TUNE_DEFAULTS } from '../../run/tune/options.ts';

const pct = (v: number, digits = 1) => (Number.isFinite(v) ? (100 * v).toFixed(digits) : '–');
/** A difference in percentage points, signed. */
/** A q-value as findings show it: two significant digits, or "< 0.001". */
const qText = (q: number) => (q < 0.001 ? '&lt; 0.001' : q.toPrecision(2));
const pts = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)}` : '–');
const ALPHA = 0.05;

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  const headRow = `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table class="${cls}"><thead>${headRow}</thead><tbody>${body}</tbody></table>`;
}

const figure = async (spec: Parameters<typeof renderSvg>[0]) => `<figure>${await renderSvg(spec)}</figure>`;

/** The (model, regime) groups of a run: each compares its arms with its own reference arm. */
function groups(view: RunView): { label: string; arms: Arm[] }[] {
  const out = new Map<string, Arm[]>();
  for (const a of view.arms) {
    const key = `${a.model}|${a.regime}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(a);
  }
  return [...out.values()].map((arms) => ({
    label: [...(view.axes.models ? [arms[0]!.model] : []), ...(arms[0]!.regime !== STANDARD ? [arms[0]!.regime] : [])].join(' · '),
    arms,
  }));
}

/** Perturbation families of the suite (clean excluded), in suite order. */
const families = (view: RunView) => Object.keys(view.suite.perturbations).filter((p) => p !== CLEAN);
const unitOf = (family: string) => getPerturbation(family).severity.unit;

class Lookup {
  private readonly rows = new Map<string, SummaryRow>();
  constructor(summary: readonly SummaryRow[]) {
    for (const r of summary) this.rows.set(`${armId(r.arm)}\u0000${r.perturbation}\u0000${r.severity}\u0000${r.metric}`, r);
  }
  get(arm: ArmKey, perturbation: string, severity: number, metric: string): SummaryRow | undefined {
    return this.rows.get(`${armId(arm)}\u0000${perturbation}\u0000${severity}\u0000${metric}`);
  }
}

const significant = (r: SummaryRow | undefined) => r?.vsReference !== null && r?.vsReference !== undefined && r.vsReference.q < ALPHA;

/** "▲"/"▼" where the arm differs from the reference after correction, with the numbers in a tooltip. */
function mark(r: SummaryRow | undefined, reference: string, better: 'higher' | 'lower'): string {
  if (!significant(r)) return '';
  const t = r!.vsReference!;
  const good = better === 'higher' ? t.diff > 0 : t.diff < 0;
  const fraction = metricInfo(r!.metric).unit === 'fraction';
  const diff = fraction
    ? `${pts(t.diff)} pts [${pts(t.ciLow)}, ${pts(t.ciHigh)}]`
    : `${formatNumber(t.diff)} [${formatNumber(t.ciLow)}, ${formatNumber(t.ciHigh)}]`;
  return `<span class="sig ${good ? 'good' : 'bad'}" title="against ${esc(reference)}: ${diff}, q = ${formatNumber(t.q)}">${t.diff > 0 ? '▲' : '▼'}</span>`;
}

function alerts(view: RunView): string {
  const items: string[] = [];
  for (const r of view.records) {
    if (r.kind === 'failure') items.push(`<li><b>failed</b>: ${esc(taskLabel(view.suite, r))}: <code>${esc(r.error.split('\n')[0])}</code></li>`);
  }
  for (const { key, result } of phaseResults(view.records, main)) {
    if (result.diverged)
      items.push(
        `<li><b>diverged</b>: ${esc(taskLabel(view.suite, { phase: main.name, key }))} at step ${result.diverged.step} ` +
          `(epoch ${result.diverged.epoch}); its robustness metrics are absent</li>`,
      );
  }
  for (const r of view.records) {
    const problem = r.kind === 'result' ? phaseNamed(r.phase).problem?.(r.result) : undefined;
    if (problem) items.push(`<li><b>not finite</b>: ${esc(taskLabel(view.suite, r))}: ${esc(problem)}</li>`);
  }
  for (const n of nearChance(view)) items.push(`<li><b>near chance</b>: ${esc(armName(view, n.arm))}: ${esc(nearChanceText(n))}</li>`);
  for (const u of unnormalised(view)) items.push(`<li><b>normalisation?</b> ${esc(armName(view, u.arm))}: ${esc(unnormalisedText(u))}</li>`);
  for (const m of maskingSentences(maskingFlags(view))) items.push(`<li><b>gradient masking?</b> ${esc(m)}</li>`);
  return items.length ? `<div class="alert" role="alert"><h2>Cells to look at</h2><ul>${items.join('')}</ul></div>` : '';
}

// ---------------------------------------------------------------- findings

/**
 * Sentences stating, per group: the clean-accuracy leader and laggard, and the most and least
 * robust arm under each perturbation, perturbations with the same winner (or loser) together.
 */
function headline(view: RunView, look: Lookup, group: { arms: Arm[] }, accuracy: string, auc: string): string[] {
  const ref = view.suite.reference;
  const name = (a: ArmKey) => `<b>${esc(armName(view, a))}</b>`;
  // Each difference says at once whether it is one: q < ALPHA, or n.s. with its q.
  const sig = (r: SummaryRow) =>
    !r.vsReference || !Number.isFinite(r.vsReference.q) ? '' : significant(r) ? `, q = ${qText(r.vsReference.q)}` : `, n.s. (q = ${qText(r.vsReference.q)})`;
  const vs = (r: SummaryRow) => (r.vsReference ? `, ${pts(r.vsReference.diff)} pts against ${esc(ref)}${sig(r)}` : '');
  const ranked = (p: string, severity: number, metric: string) =>
    group.arms
      .map((a) => ({ a, r: look.get(a, p, severity, metric)! }))
      .filter((x) => x.r && Number.isFinite(x.r.stats.mean))
      .sort((x, y) => y.r.stats.mean - x.r.stats.mean);
  const clean = ranked(CLEAN, 0, accuracy);
  if (clean.length === 0) return [];
  if (group.arms.length === 1) {
    // One arm (a pretrained model evaluated as it is): its numbers, nothing to rank.
    const only = clean[0]!;
    const under = families(view).flatMap((f) => {
      const r = look.get(only.a, f, 0, auc);
      return r && Number.isFinite(r.stats.mean) ? [`${esc(f)} ${pct(r.stats.mean)}%`] : [];
    });
    return [`${name(only.a)}: clean accuracy ${pct(only.r.stats.mean)}%${under.length ? `; mean accuracy over each sweep: ${under.join(', ')}` : ''}.`];
  }
  const lines = [
    `Clean accuracy: highest ${name(clean[0]!.a)} (${pct(clean[0]!.r.stats.mean)}%${vs(clean[0]!.r)}), lowest ` +
      `${name(clean.at(-1)!.a)} (${pct(clean.at(-1)!.r.stats.mean)}%${vs(clean.at(-1)!.r)}).`,
  ];
  const top = new Map<string, string[]>();
  const bottom = new Map<string, string[]>();
  for (const f of families(view)) {
    const r = ranked(f, 0, auc);
    if (r.length < 2) continue;
    const add = (m: Map<string, string[]>, x: { a: Arm; r: SummaryRow }) =>
      m.set(x.a.id, [...(m.get(x.a.id) ?? []), `${esc(f)} (${pct(x.r.stats.mean)}%${vs(x.r)})`]);
    add(top, r[0]!);
    add(bottom, r.at(-1)!);
  }
  const byId = new Map(group.arms.map((a) => [a.id, a]));
  for (const [id, list] of top)
    lines.push(
      `Most robust ${name(byId.get(id)!)} under ${list.length === families(view).length && list.length > 1 ? `every perturbation: ` : ''}${list.join('; ')}.`,
    );
  for (const [id, list] of bottom)
    lines.push(
      `Least robust ${name(byId.get(id)!)} under ${list.length === families(view).length && list.length > 1 ? `every perturbation: ` : ''}${list.join('; ')}.`,
    );
  const tested = view.summary.filter(
    (r) => r.metric === auc && r.vsReference && Number.isFinite(r.vsReference.q) && group.arms.some((a) => a.id === armId(r.arm)),
  );
  if (tested.length)
    lines.push(
      `${tested.filter(significant).length} of ${tested.length} differences from ${esc(ref)} are significant ` +
        `(Benjamini-Hochberg q &lt; ${ALPHA} over ${view.suite.seeds.length} seeds; n.s.: not significant).`,
    );
  const power = powerSentence(view, group.arms);
  if (power) lines.push(power);
  const sequential = seedsSentence(view, group.arms);
  if (sequential) lines.push(sequential);
  const noise = testNoiseSentence(view.summary.filter((r) => r.metric === accuracy && group.arms.some((a) => a.id === armId(r.arm))));
  if (noise) lines.push(noise);
  return lines;
}

/** --seeds auto: where the sequential procedure stopped and what it decided for this group's comparisons. */
function seedsSentence(view: RunView, arms: readonly Arm[]): string | undefined {
  const look = view.seedLook;
  const a = view.suite.autoSeeds;
  if (!look || !a) return undefined;
  const mine = look.intervals.filter((_, i) => arms.some((x) => x.id === armId(look.comparisons[i]!.arm)));
  const count = (d: string) => mine.filter((i) => i.decision === d).length;
  const where =
    look.stoppedAt === undefined
      ? `is at ${look.seeds} seeds and not finished (resume the run to go on)`
      : look.intervals.every((i) => i.decision !== 'undecided')
        ? `stopped at ${look.stoppedAt} seeds, every comparison decided`
        : `stopped at the cap of ${a.max} seeds`;
  return (
    `Seeds were added until decided (--seeds auto: from ${a.min}, ${a.round} per look, at most ${a.max}; Pocock-type alpha spending, ` +
    `Lan &amp; DeMets 1983, error rate ${a.alpha} per comparison over all looks): the procedure ${where}. Of ${mine.length} comparisons ` +
    `with ${esc(view.suite.reference)} (clean accuracy and each perturbation's score), ${count('differ')} differ, ${count('equivalent')} are ` +
    `within ±${formatNumber(100 * a.delta)} pts and ${count('undecided')} are undecided (intervals at the last look's level).`
  );
}

/** The test set's share of the uncertainty beside the seeds' (test-noise.ts), over the accuracy differences from the reference. */
function testNoiseSentence(rows: readonly SummaryRow[]): string | undefined {
  const both = rows.flatMap((r) => {
    const t = r.vsReference;
    return t?.seTest !== undefined && t.sd !== undefined && t.n >= 2 && Number.isFinite(t.seTest) ? [{ test: t.seTest, seeds: t.sd / Math.sqrt(t.n) }] : [];
  });
  if (!both.length) return undefined;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const test = median(both.map((b) => b.test));
  const seeds = median(both.map((b) => b.seeds));
  return (
    `The test images are a sample too: an accuracy difference's standard error from the test set is ${(100 * test).toFixed(1)} pts ` +
    `(median over ${both.length} differences), beside ${(100 * seeds).toFixed(1)} pts from the seeds; the tests above are the seeds', ` +
    `so they speak for this test set (summary.csv: diff_se_seeds, diff_se_test).`
  );
}

/** How decisive the run could be (decisiveness.ts), as the findings' sentence. */
function powerSentence(view: RunView, arms: readonly Arm[]): string | undefined {
  const d = decisiveness(view, arms);
  if (!d) return undefined;
  const p = (v: number) => (100 * v).toFixed(1);
  const count = (v: number) => (Number.isFinite(v) ? String(v) : `more than ${MAX_SEEDS}`);
  return (
    `Power: with ${d.seeds} seeds, these differences could be detected (80% power, p &lt; ${ALPHA}) only from ` +
    `${p(d.detectable.low)}-${p(d.detectable.high)} pts (median ${p(d.detectable.median)}); ` +
    `detecting ${100 * STATED_DIFFERENCE} pts would take ${count(d.seedsFor.low)}-${count(d.seedsFor.high)} seeds ` +
    `(median ${count(d.seedsFor.median)}), from the spread of each difference over these seeds (summary.csv: detectable_diff, seeds_needed).`
  );
}

/** The learning rate an arm trained with, beside its scores: the tuned one (marked at a grid edge) or the suite's. */
function lrCell(view: RunView, a: Arm): string {
  const choice = view.tuning?.get(a.id);
  if (!choice) return typeof a.entry.options.lr === 'number' ? formatNumber(a.entry.options.lr) : '–';
  const where = tuneMethod(view.suite) === 'grid' ? 'the tuning grid' : 'its search range';
  const edge = choice.atEdge ? ` <span class="edge" title="at the ${choice.atEdge} edge of ${where}">${choice.atEdge === 'low' ? '↓' : '↑'}</span>` : '';
  return `${formatNumber(choice.lr)} <small>tuned</small>${edge}`;
}

/** Arms x (lr, clean, each perturbation's AUC, mCE): the headline numbers, best per column in bold. */
function scoresTable(view: RunView, look: Lookup, arms: readonly Arm[], accuracy: string, auc: string, withMce: boolean): string {
  const fams = families(view);
  const cols = [
    { p: CLEAN, metric: accuracy, head: 'clean', better: 'higher' as const },
    ...fams.map((f) => ({ p: f, metric: auc, head: esc(f).replace(/_/g, '_<wbr>'), better: 'higher' as const })),
    ...(withMce ? [{ p: ALL, metric: M.meanCorruptionError.name, head: 'mCE', better: 'lower' as const }] : []),
  ];
  const best = cols.map((c) => {
    const values = arms.map((a) => look.get(a, c.p, 0, c.metric)?.stats.mean ?? Number.NaN).filter(Number.isFinite);
    return c.better === 'higher' ? Math.max(...values) : Math.min(...values);
  });
  const withLr = trained(view);
  const rows = arms.map((a) => [
    `<b>${esc(armName(view, a))}</b>`,
    ...(withLr ? [lrCell(view, a)] : []),
    ...cols.map((c, i) => {
      const r = look.get(a, c.p, 0, c.metric);
      if (!r || !Number.isFinite(r.stats.mean)) return '–';
      const text = c.metric === M.meanCorruptionError.name ? r.stats.mean.toFixed(2) : pct(r.stats.mean);
      return `${r.stats.mean === best[i] ? `<b>${text}</b>` : text}${mark(r, view.suite.reference, c.better)}`;
    }),
  ]);
  return `<div class="fit">${table(['arm', ...(withLr ? ['lr'] : []), ...cols.map((c) => c.head)], rows, 'num scores')}</div>`;
}

async function findings(view: RunView, look: Lookup): Promise<string> {
  const fams = families(view);
  if (!view.summary.some((r) => r.metric === M.accuracy.name)) return '';
  const parts: string[] = [];
  for (const g of groups(view)) {
    const lines = headline(view, look, g, M.accuracy.name, M.auc.name);
    const names = g.arms.map((a) => armName(view, a));
    const scatter: ScatterPoint[] = [];
    for (const a of g.arms) {
      const seeds = view.series.find((s) => armId(s.arm) === a.id && s.perturbation === CLEAN && s.metric === M.accuracy.name)?.bySeed;
      const aucs = view.series.filter((s) => armId(s.arm) === a.id && s.metric === M.auc.name);
      if (!seeds || aucs.length === 0) continue;
      const robust = (seed: number) => describe(aucs.map((s) => s.bySeed.get(seed) ?? Number.NaN)).mean;
      for (const [seed, clean] of seeds) scatter.push({ arm: armName(view, a), x: clean, y: robust(seed), mean: false });
      const cleanMean = describe([...seeds.values()]).mean;
      const robustMean = describe([...seeds.keys()].map(robust)).mean;
      scatter.push({ arm: armName(view, a), x: cleanMean, y: robustMean, mean: true });
    }
    const forest: ForestRow[] = [];
    for (const f of fams) {
      for (const a of g.arms) {
        const r = look.get(a, f, 0, M.auc.name);
        if (!r?.vsReference) continue;
        forest.push({
          panel: `${f}`,
          arm: armName(view, a),
          diff: r.vsReference.diff,
          low: r.vsReference.ciLow,
          high: r.vsReference.ciHigh,
          significant: significant(r),
        });
      }
    }
    const charts = [
      // A trade-off needs something to trade against: two arms at least.
      g.arms.length > 1 && scatter.length
        ? await figure(
            tradeOffScatter({
              title: 'clean against robust accuracy',
              xTitle: 'clean accuracy (%)',
              yTitle: 'robust accuracy: mean over perturbations (%)',
              points: scatter,
              arms: names,
            }),
          )
        : '',
      forest.length
        ? await figure(
            forestPlot({
              title: `difference from ${view.suite.reference} in mean accuracy over each sweep`,
              xTitle: 'percentage points (95% CI)',
              rows: forest,
              // Every arm keeps the colour and shape it has in every other chart; the reference has no row.
              arms: names,
              shown: names.filter((n) => forest.some((f) => f.arm === n)),
            }),
          )
        : '',
    ];
    const heading = g.label ? `<h3>${esc(g.label)}</h3>` : '';
    const sentences = `<ul class="findings">${lines.map((l) => `<li>${l}</li>`).join('')}</ul>`;
    const scores = scoresTable(view, look, g.arms, M.accuracy.name, M.auc.name, g.arms.length > 1);
    parts.push(`${heading}${sentences}${scores}<div class="grid">${charts.join('')}</div>`);
  }
  const auc =
    'Robustness under a perturbation is the mean test accuracy across its sweep (the area under the ' +
    'accuracy-severity curve, clean accuracy at severity 0, over the severity range; <code>accuracy_auc</code>).';
  if (view.arms.length === 1)
    return `<section id="findings"><h2>Findings</h2><p class="note">${auc} Means over ${view.suite.seeds.length} seed(s).</p>${parts.join('')}</section>`;
  return (
    `<section id="findings"><h2>Findings</h2><p class="note">${auc} mCE: errors summed over severities relative to ` +
    `${esc(view.suite.reference)}'s, averaged over perturbations (below 1: more robust). Means over ` +
    `${view.suite.seeds.length} seed(s); ▲/▼: differs from <b>${esc(view.suite.reference)}</b> in a paired t-test ` +
    `over seeds with Benjamini-Hochberg-corrected q &lt; ${ALPHA} (as <code>optrobust compare</code> tests); hover ` +
    `for the difference and its 95% interval.</p>${parts.join('')}</section>`
  );
}

// ---------------------------------------------------------------- curves and tables

/** Accuracy against severity, a panel per perturbation (clean at severity 0), every arm of every group. */
async function curves(view: RunView, look: Lookup, metric: string, title: string): Promise<string> {
  const points: BandPoint[] = [];
  for (const f of families(view)) {
    for (const a of view.arms) {
      for (const [p, s] of [[CLEAN, 0] as const, ...view.suite.perturbations[f]!.map((sev) => [f, sev] as const)]) {
        const r = look.get(a, p, s, metric);
        if (r) points.push({ panel: `${f} (${unitOf(f)})`, arm: armName(view, a), x: s, mean: r.stats.mean, low: r.stats.ciLow, high: r.stats.ciHigh });
      }
    }
  }
  if (points.length === 0) return '';
  const chart = await figure(bandPanels({ title, yTitle: 'accuracy (%)', points, arms: view.arms.map((a) => armName(view, a)), percent: true }));
  return (
    `<section><h2>${esc(title)}</h2><p class="note">Mean over seeds; the band is a 95% interval computed on the ` +
    `logit scale (Student t), so it stays within 0-100%. Severity 0 is clean accuracy.</p>${chart}</section>`
  );
}

/** Per perturbation, a folded table: arms x severities, mean accuracy with its interval and correction-aware marks. */
function severityTables(view: RunView, look: Lookup, metric: string, title: string): string {
  if (!view.summary.some((r) => r.metric === metric)) return '';
  const cell = (r: SummaryRow | undefined) => {
    if (!r || !Number.isFinite(r.stats.mean)) return '–';
    const interval = Number.isFinite(r.stats.ciLow) ? `<small> [${pct(r.stats.ciLow, 0)}–${pct(r.stats.ciHigh, 0)}]</small>` : '';
    return `${pct(r.stats.mean)}${interval}${mark(r, view.suite.reference, 'higher')}`;
  };
  const blocks = families(view).map((f) => {
    const sev = view.suite.perturbations[f]!;
    const rows = view.arms.map((a) => [
      `<b>${esc(armName(view, a))}</b>`,
      cell(look.get(a, CLEAN, 0, metric)),
      ...sev.map((s) => cell(look.get(a, f, s, metric))),
    ]);
    const head = ['arm', 'clean', ...sev.map((s) => `${formatNumber(s)}`)];
    return (
      `<details><summary><b>${esc(f)}</b> <small>severity in ${esc(unitOf(f))}: ` +
      `${sev.map(formatNumber).join(', ')}</small></summary><div ` +
      `class="fit">${table(head, rows, 'num')}</div></details>`
    );
  });
  return (
    `<section><h2>${esc(title)}</h2><p class="note">Accuracy (%) per severity, mean and 95% interval over seeds; ` +
    `▲/▼ as above (corrected over every arm, perturbation and severity).</p>${blocks.join('')}</section>`
  );
}

// ---------------------------------------------------------------- matched, tuning

/** An arm's steps to the matched target (mean over the seeds that reached it) and the training time that took at its measured speed. */
function timeToTarget(view: RunView, look: Lookup, a: Arm): string {
  const s = look.get(a, 'train', 0, M.stepsToTarget.name)?.stats;
  if (!s) return '–';
  const seeds = s.n + s.nonFinite;
  if (s.n === 0) return `never <small>(0 of ${seeds} seeds)</small>`;
  // Seconds per training step from the arm's main cells (their recorded training stage).
  const rates = view.records.flatMap((r) => {
    if (r.kind !== 'result' || r.phase !== main.name || armId(r.key) !== a.id) return [];
    // A cell continued from a checkpoint timed only the steps after it.
    const steps = (r.result as CellResult).train.steps - (r.resumedFrom ?? 0);
    return r.stages?.train !== undefined && steps > 0 ? [r.stages.train / steps] : [];
  });
  const seconds = rates.length ? (s.mean * rates.reduce((x, y) => x + y, 0)) / rates.length : Number.NaN;
  const time = Number.isFinite(seconds) ? ` <small>≈ ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s</small>` : '';
  const partial = s.nonFinite ? ` <small>(${s.n} of ${seeds} seeds)</small>` : '';
  return `${formatNumber(Math.round(s.mean))}${time}${partial}`;
}

async function matchedSection(view: RunView, look: Lookup): Promise<string> {
  const { suite } = view;
  const gaps = view.summary.filter((r) => r.metric === M.matchedGap.name);
  if (gaps.length === 0) return '';
  const worst = Math.max(...gaps.map((g) => Math.abs(g.stats.mean)));
  const rows = view.arms.map((a) => {
    const step = look.get(a, 'train', 0, M.matchedStep.name);
    const val = look.get(a, 'train', 0, M.matchedValAccuracy.name);
    const gap = look.get(a, 'train', 0, M.matchedGap.name);
    return [
      `<b>${esc(armName(view, a))}</b>`,
      step ? formatNumber(Math.round(step.stats.mean)) : '–',
      val ? pct(val.stats.mean) : '–',
      gap ? pts(gap.stats.mean) : '–',
      timeToTarget(view, look, a),
    ];
  });
  const target =
    suite.tune?.matchTarget !== undefined
      ? `the suite's ${pct(suite.tune.matchTarget)}%`
      : 'the lowest final validation accuracy among the arms of a model (mean over seeds)';
  const intro =
    `<p class="note">Robustness differences can be plain accuracy differences. Here every (arm, seed) is evaluated ` +
    `at the checkpoint (measured ${checkpointsPerEpoch(suite)} times per epoch on the validation split) whose ` +
    `validation accuracy is closest to a common target: ` +
    `${target}. ` +
    `The largest gap to the target is ${pct(worst, 2)} points. Steps to target (AlgoPerf's time to target): the first ` +
    `checkpoint at which validation accuracy reached the target, mean over the seeds that reached it, and about how long ` +
    `that took at the arm's measured training speed.</p>`;
  const scores = groups(view)
    .map((g) => `${g.label ? `<h3>${esc(g.label)}</h3>` : ''}${scoresTable(view, look, g.arms, M.matchedAccuracy.name, M.matchedAuc.name, false)}`)
    .join('');
  const heads = ['arm', 'checkpoint step', 'validation accuracy (%)', 'gap to target (pts)', 'steps to target'];
  const checkpoints = `<div class="fit">${table(heads, rows, 'num')}</div>`;
  const chart = await curves(view, look, M.matchedAccuracy.name, 'Accuracy against severity at matched clean accuracy');
  const tables = severityTables(view, look, M.matchedAccuracy.name, 'Accuracy by severity at matched clean accuracy');
  return `<section id="matched"><h2>Robustness at matched clean accuracy</h2>${intro}${checkpoints}${scores}${chart}${tables}</section>`;
}

async function tuningSection(view: RunView): Promise<string> {
  const { suite } = view;
  const choices = view.tuning;
  if (!choices) return '';
  const metric = suite.tune?.metric ?? TUNE_DEFAULTS.metric;
  const grid = tuneMethod(suite) === 'grid';
  const named = view.arms.filter((a) => choices.has(a.id)).map((a) => [armName(view, a), choices.get(a.id)!, a] as const);
  const yTitle = metric === 'accuracy' ? 'validation accuracy (%)' : 'validation loss';
  const chart = await figure(
    grid
      ? bandPanels({
          title: 'learning-rate tuning',
          yTitle,
          points: named.flatMap(([arm, c]) =>
            c.scores
              .filter((s) => Number.isFinite(s.score))
              .map((s) => ({
                panel: `validation ${metric} against learning rate`,
                arm,
                x: Math.log10(s.lr),
                mean: s.score,
                low: Number.NaN,
                high: Number.NaN,
              })),
          ),
          arms: named.map(([n]) => n),
          percent: metric === 'accuracy',
          panelWidth: 420,
        })
      : trialScatter({
          title: `validation ${metric} of each trial against its learning rate (the chosen one large)`,
          xTitle: 'log10 learning rate',
          yTitle,
          percent: metric === 'accuracy',
          arms: named.map(([n]) => n),
          points: named.flatMap(([arm, c]) => c.scores.map((s) => ({ arm, x: Math.log10(s.lr), y: s.score, chosen: s.trial === c.trial }))),
        }),
  );
  const edgeText = (c: TuneChoice): string =>
    c.edges.length > 0
      ? `<span class="edge">⚠ ${esc(c.edges.map((e) => `${e.name} at the ${e.side} edge`).join(', '))}: widen ${grid ? 'the grid' : 'its range'}</span>`
      : grid
        ? 'inside the grid'
        : 'inside every range';
  const rows = grid
    ? named.map(([label, c]) => [`<b>${esc(label)}</b>`, formatNumber(c.lr), esc(c.scores.map((s) => formatNumber(s.lr)).join(', ')), edgeText(c)])
    : named.map(([label, c, a]) => [
        `<b>${esc(label)}</b>`,
        esc(paramsText(c.params)),
        String(c.trial),
        esc((a.entry.space ?? []).map(([n, d]) => `${n} ${dimensionText(d)}`).join('; ')),
        edgeText(c),
      ]);
  const edges = named.filter(([, c]) => c.edges.length > 0).length;
  const trials = phaseResults(view.records, tune).length;
  const seeds = esc(tuneSeeds(suite).join(', '));
  const how = grid
    ? `each arm trained at every grid point (x axis: log10 of the learning rate)`
    : `each arm trained at the first ${tuneBudget(suite)} points of a scrambled Halton sequence over its search space (the same ` +
      `budget and the same points of the unit cube for every arm; log-uniform ranges, 1 - β log-uniform)`;
  const budgets = grid ? '' : budgetTable(view);
  return (
    `<section id="tuning"><h2>${grid ? 'Learning-rate tuning' : 'Hyperparameter tuning'}</h2><p class="note">${trials} trials: ${how} ` +
    `on the training set minus a fixed validation split ` +
    `(${formatNumber(100 * (suite.tune?.validationFraction ?? TUNE_DEFAULTS.validationFraction))}% of it, the same for every arm; the test set ` +
    `is never used), seeds ${seeds}; the best mean validation ${metric} picks what the grid trains with. Diverged trials score ` +
    `worst.${edges ? ` <b>${edges} choice(s) sit at the edge of ${grid ? 'the grid' : 'a range (its outer tenth)'}.</b>` : ''}</p><div ` +
    `class="grid">${chart}${table(grid ? ['arm', 'chosen lr', 'grid', ''] : ['arm', 'chosen', 'trial', 'search space', ''], rows, 'fit')}</div>` +
    `${budgets}</section>`
  );
}

/** Budget sensitivity: per perturbation, each budget's ranking of the arms and whether it is the full budget's. */
function budgetTable(view: RunView): string {
  const b = view.budgets;
  if (!b) return '';
  const budgets = [...new Set(b.map((x) => x.budget))];
  const perturbations = [...new Set(b.map((x) => x.perturbation))];
  const name = (id: string) => armName(view, view.arms.find((a) => a.id === id)!);
  const rows = perturbations.map((p) => [
    `<b>${esc(p)}</b>`,
    ...budgets.map((n) => {
      const r = b.find((x) => x.budget === n && x.perturbation === p)!;
      const mark = r.holds ? '' : ` <span class="edge">changes (τ ${r.tau.toFixed(2)})</span>`;
      return `${esc(r.ranking.map(name).join(' > '))}${mark}`;
    }),
  ]);
  const changed = b.filter((x) => !x.holds).length;
  return (
    `<h3>Does the ranking hold as the budget grows?</h3><p class="note">Each budget chooses from the first trials of the same ` +
    `search (nested prefixes); an arm whose choice differs from the full budget's is trained and evaluated at it for every seed. ` +
    `Arms ranked by the mean over seeds of their headline score (accuracy averaged over the sweep; clean accuracy for clean). ` +
    `${changed === 0 ? 'Every ranking holds at every budget.' : `<b>${changed} ranking(s) differ from the full budget's</b> (Kendall's τ against it).`} ` +
    `budget.csv has the scores.</p><div class="fit">${table(['perturbation', ...budgets.map((n) => `budget ${n}`)], rows)}</div>`
  );
}

/** A dimension's range as the report states it. */
function dimensionText(d: Dimension): string {
  switch (d.scale) {
    case 'log':
      return `log [${formatNumber(d.min)}, ${formatNumber(d.max)}]`;
    case 'one-minus-log':
      return `1 − log [${formatNumber(d.min)}, ${formatNumber(d.max)}]`;
    case 'linear':
      return `[${formatNumber(d.min)}, ${formatNumber(d.max)}]`;
    case 'choice':
      return `{${d.values.join(', ')}}`;
  }
}

// ---------------------------------------------------------------- training and gradients

/** Per-epoch training loss and gradient norm: the mean of each seed's logged steps in the epoch, then mean and interval over seeds. */
async function trainingCharts(view: RunView): Promise<string> {
  const results = phaseResults(view.records, main);
  if (!results.some((r) => r.result.steps.length > 0)) return ''; // nothing trained (evaluate)
  const loss: BandPoint[] = [];
  const grad: BandPoint[] = [];
  for (const a of view.arms) {
    const perSeed = results.filter((r) => armId(r.key) === a.id).map((r) => r.result.steps);
    const epochs = [...new Set(perSeed.flatMap((steps) => steps.map((s) => s.epoch)))].sort((x, y) => x - y);
    for (const e of epochs) {
      const at = (f: (s: { loss: number; gradNorm: number }) => number) =>
        describe(perSeed.map((steps) => describe(steps.filter((s) => s.epoch === e).map(f)).mean));
      const l = at((s) => s.loss);
      const g = at((s) => s.gradNorm);
      loss.push({ panel: 'training loss', arm: armName(view, a), x: e, mean: l.mean, low: l.ciLow, high: l.ciHigh });
      grad.push({ panel: 'gradient norm (global L2)', arm: armName(view, a), x: e, mean: g.mean, low: g.ciLow, high: g.ciHigh });
    }
  }
  const names = view.arms.map((a) => armName(view, a));
  const charts = [
    await figure(
      bandPanels({ title: 'training loss per epoch (log scale)', yTitle: 'loss', points: loss, arms: names, percent: false, log: true, panelWidth: 460 }),
    ),
    await figure(
      bandPanels({ title: 'gradient norm per epoch (log scale)', yTitle: '‖∇L‖', points: grad, arms: names, percent: false, log: true, panelWidth: 460 }),
    ),
  ];
  return (
    `<section><h2>Training</h2><p class="note">Per epoch: the mean over its logged steps, then the mean and 95% ` +
    `interval over seeds. Every step is in steps.csv.</p><div class="grid">${charts.join('')}</div></section>`
  );
}

/** Gradient norm of each dense or convolutional weight against its depth, at the first, middle and last logged step (geometric mean over seeds). */
async function depthSection(view: RunView): Promise<string> {
  const results = phaseResults(view.records, main).filter((r) => !r.result.diverged);
  const points: DepthPoint[] = [];
  const shown: string[] = [];
  for (const a of view.arms) {
    const mine = results.filter((r) => armId(r.key) === a.id && r.result.steps.length > 0).map((r) => r.result);
    if (mine.length === 0) continue;
    const weights = mine[0]!.tensors.map((t, i) => ({ t, i })).filter(({ t }) => (t.op === 'dense' || t.op === 'conv2d') && t.name.endsWith('.weight'));
    if (weights.length < 2) continue;
    shown.push(armName(view, a));
    for (const [when, pick] of [
      ['start', (_n: number) => 0],
      ['middle', (n: number) => Math.floor((n - 1) / 2)],
      ['end', (n: number) => n - 1],
    ] as const) {
      weights.forEach(({ i }, d) => {
        const logs = mine.map((r) => Math.log10(r.steps[pick(r.steps.length)]!.tensorGradNorms[i]!));
        points.push({ arm: armName(view, a), depth: d + 1, when, norm: 10 ** describe(logs).mean });
      });
    }
  }
  if (points.length === 0) return '';
  const chart = await figure(depthPanels({ title: 'gradient norm through depth', points, arms: shown }));
  return (
    `<section id="depth"><h2>Gradients through depth</h2><p class="note">The L2 norm of each dense or ` +
    `convolutional layer's weight gradient, by the layer's position from the input (1) to the output, at the ` +
    `first, middle and last logged step; geometric mean over seeds. Gradients vanish where the lines fall towards ` +
    `depth 1; <code>grad_ratio_first_last_*</code> in results.csv puts it in one number per cell, layers.csv has ` +
    `every tensor at every logged step.</p>${chart}</section>`
  );
}

/** AutoAttack's log, attack by attack: the accuracy left after each of its attacks, per arm and eps. */
function ensembleStages(view: RunView, look: Lookup): string {
  const blocks = Object.keys(view.suite.perturbations).flatMap((name) => {
    const stages = getPerturbation(name).stages;
    if (!stages) return [];
    const sev = view.suite.perturbations[name]!;
    const metric = (k: number) => (k < stages.length - 1 ? stageMetric(stages[k]!) : M.accuracy.name);
    const rows = view.arms.flatMap((a) =>
      sev.map((s) => [
        `<b>${esc(armName(view, a))}</b>`,
        formatNumber(s),
        pct(look.get(a, CLEAN, 0, M.accuracy.name)?.stats.mean ?? Number.NaN),
        ...stages.map((_, k) => pct(look.get(a, name, s, metric(k))?.stats.mean ?? Number.NaN)),
      ]),
    );
    const head = ['arm', esc(unitOf(name)), 'clean', ...stages.map((st) => `after ${esc(st)}`)];
    return [`<h3>${esc(name)}</h3><div class="fit">${table(head, rows, 'num')}</div>`];
  });
  if (!blocks.length) return '';
  return (
    `<section id="ensemble"><h2>AutoAttack, attack by attack</h2><p class="note">Accuracy (%) left after each attack of ` +
    `the ensemble, each run on the examples every earlier one left correct (mean over seeds): where the later, ` +
    `costlier attacks still break examples, the earlier ones were not enough; Square (logits only) breaking many ` +
    `is a sign of masked gradients.</p>${blocks.join('')}</section>`
  );
}

function inputGradientTable(view: RunView, look: Lookup): string {
  const metrics = [FAMILY.inputGradL2, FAMILY.inputGradL1].flatMap((f) => INPUT_GRAD_STATS.map((s) => statName(f, s)));
  if (!view.summary.some((r) => r.metric === metrics[0])) return '';
  const rows = view.arms.map((a) => [
    `<b>${esc(armName(view, a))}</b>`,
    ...metrics.map((m) => {
      const r = look.get(a, CLEAN, 0, m);
      return r ? r.stats.mean.toPrecision(4) : '–';
    }),
  ]);
  const head = ['arm', 'L2 mean', 'L2 median', 'L2 p95', 'L1 mean', 'L1 median', 'L1 p95'];
  return (
    `<section><h2>Input-gradient norms on clean test data</h2><p class="note">Per example, the norm of the ` +
    `gradient of its loss with respect to its pixels, summarised over the test set; mean over seeds. Larger L1 ` +
    `means a larger first-order loss increase per unit of L∞ attack budget.</p><div ` +
    `class="fit">${table(head, rows, 'num')}</div></section>`
  );
}

/** Whether the run trained its models (an `evaluate` run has 0 epochs). */
export const trained = (view: Pick<RunView, 'suite'>): boolean => view.suite.epochs > 0;

function configuration(view: RunView, manifest?: RunManifest): string {
  const { suite } = view;
  const rows: [string, string][] = [
    ['suite', esc(suite.name)],
    ['description', esc(suite.description)],
    [
      'dataset',
      `${esc(suite.dataset)}${suite.trainLimit ? ` (first ${suite.trainLimit} train)` : ''}${suite.testLimit ? ` (first ${suite.testLimit} test)` : ''}`,
    ],
    [
      'model',
      esc(
        suiteModels(suite)
          .map((m) => (suite.models ? `${m.label}: ${JSON.stringify(m.spec)}` : m.label))
          .join('; '),
      ),
    ],
    // A model evaluated as it is (`evaluate`, 0 epochs) has no training to describe.
    ...(trained(view) ? [['batch size, epochs', `${suite.batchSize}, ${suite.epochs}`] as [string, string]] : []),
    ['seeds', esc(suite.seeds.join(', '))],
    ...(trained(view) ? [['reference optimizer', esc(suite.reference)] as [string, string]] : [['training', 'none: the model as it is'] as [string, string]]),
  ];
  const env = manifest?.environment;
  if (env)
    rows.push([
      'environment',
      esc(`optrobust ${env.optrobust}, Node ${env.node}, onnxruntime-node ${env.onnxruntime}, ${env.platform}, ${env.cpu} (${env.cores} cores)`),
    ]);
  if (manifest?.timings.wallSeconds !== undefined)
    rows.push(['wall time', `${manifest.timings.wallSeconds.toFixed(1)} s (${manifest.timings.workers} workers)`]);
  const tuned = view.tuning;
  const opt = view.arms.map((a) => [
    esc(armName(view, a)),
    esc(a.entry.name),
    `<code>${esc(JSON.stringify(a.entry.options))}</code>`,
    ...(tuned ? [tuned.get(a.id) ? esc(paramsText(tuned.get(a.id)!.params)) : '–'] : []),
    esc(a.entry.schedule ? JSON.stringify(a.entry.schedule) : 'constant'),
  ]);
  const head = ['arm', 'algorithm', 'options', ...(tuned ? ['tuned'] : []), 'schedule'];
  const optimizers = trained(view) ? `<div class="fit">${table(head, opt, 'config')}</div>` : '';
  return `<section><h2>Configuration</h2>${table(
    ['', ''],
    rows.map(([k, v]) => [`<b>${k}</b>`, v]),
    'kv',
  )}${optimizers}</section>`;
}

const CSS =
  `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 ` +
  `auto;max-width:1880px;padding:16px 20px;color:#1b1b1b;box-sizing:border-box} p,ul{max-width:80em}
h1{font-size:1.6em;margin:.2em ` +
  `0} h2{font-size:1.25em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd} h3{font-size:1.05em;margin:1em 0 ` +
  `.3em}
table{border-collapse:collapse;margin:.5em 0;font-size:.88em} th,td{padding:3px 7px;border-bottom:1px ` +
  `solid #eee;text-align:left;vertical-align:top}
table.num td:not(:first-child),table.num ` +
  `th:not(:first-child){text-align:right;white-space:nowrap} table.scores{font-size:.82em} table.scores ` +
  `th{max-width:6.5em;overflow-wrap:anywhere}
table.config ` +
  `td:nth-child(3){max-width:36em;overflow-wrap:anywhere} ` +
  `small{color:#666}
.grid{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start} figure{margin:.4em ` +
  `0;max-width:100%} svg{max-width:100%;height:auto}
.alert{border:2px solid ` +
  `#D55E00;background:#fff4ec;padding:4px 14px;margin:1em 0} .alert h2{border:0;margin:.4em ` +
  `0}
.sig{margin-left:3px;font-size:.85em} .sig.good{color:#0072B2} .sig.bad{color:#D55E00} ` +
  `.edge{color:#D55E00;font-weight:bold}
.fit{max-width:100%;overflow-x:auto} ` +
  `.note{color:#444;font-size:.9em;max-width:60em} ul.findings li{margin:.15em 0} ` +
  `code{font-size:.9em}
details{margin:.2em 0} summary{cursor:pointer;padding:2px 0}
figure.classes figcaption{font-size:.85em;max-width:17em} .ramp{display:inline-block;width:120px;height:10px;border:1px solid #ccc;vertical-align:middle}
` +
  GALLERY_CSS +
  `
@media ` +
  `print{body{max-width:none;font-size:11px}.fit{overflow:visible}section{break-inside:avoid}details{display:block}}
`;

/** A file beside the report, linked from it. */
export interface RunFile {
  readonly name: string;
  readonly what: string;
}

const fileLink = (f: RunFile) => `<a href="${esc(f.name)}" title="${esc(f.what)}">${esc(f.name)}</a>`;

export async function reportHtml(view: RunView, manifest?: RunManifest, files: readonly RunFile[] = []): Promise<string> {
  const { suite } = view;
  const look = new Lookup(view.summary);
  const models = suiteModels(suite);
  const setup =
    `${esc(suite.dataset)}; ${models.length === 1 ? esc(models[0]!.label) : `${models.length} models`}; ` +
    `${suite.optimizers.length} optimizers; ${suite.seeds.length} seed(s); ${suite.epochs} epoch(s)`;
  const body = [
    `<h1>optrobust report: ${esc(suite.name)}</h1>`,
    `<p>${esc(suite.description)}<br><small>${setup}</small></p>`,
    files.length ? `<nav id="files"><small>Beside this report: ${files.map(fileLink).join(' · ')}</small></nav>` : '',
    alerts(view),
    await findings(view, look),
    await curves(view, look, M.accuracy.name, 'Accuracy against severity'),
    gallerySection(view, manifest),
    severityTables(view, look, M.accuracy.name, 'Accuracy by severity'),
    await matchedSection(view, look),
    await tuningSection(view),
    await trainingCharts(view),
    await depthSection(view),
    ensembleStages(view, look),
    inputGradientTable(view, look),
    fourierSection(view),
    classesSection(view, manifest),
    confusionSection(view, manifest),
    relationsSection(view),
    configuration(view, manifest),
    `<footer><small>Made by optrobust. ${files.length ? `Result files: ${files.map((f) => `${esc(f.name)} (${esc(f.what)})`).join('; ')}. ` : ''}` +
      `Their columns: reports/README.md.</small></footer>`,
  ].join('\n');
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" ` +
    `content="width=device-width,initial-scale=1"><title>optrobust: ` +
    `${esc(suite.name)}</title><style>${CSS}</style></head><body>\n${body}\n</body></html>\n`
  );
}
