// The report's "Relations" section: Spearman correlations, across the run's cells, between
// robustness per perturbation and each candidate explanation the run measured.
import { relations, BOOTSTRAP_RESAMPLES } from '../../run/results/relations.ts';
import type { RunView } from '../../run/results/view.ts';
import { esc } from './format.ts';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');

export function relationsSection(view: RunView): string {
  const { robustness, rows } = relations(view);
  if (!rows.length) return '';
  const families = [...new Set(rows.map((r) => r.perturbation))];
  const explanations = [...new Set(rows.map((r) => r.explanation))];
  const cell = (e: string, f: string) => {
    const r = rows.find((x) => x.explanation === e && x.perturbation === f);
    if (!r) return '<td>–</td>';
    const strong = Number.isFinite(r.low) && (r.low > 0 || r.high < 0);
    return `<td title="n = ${r.n} cells">${strong ? '<b>' : ''}${fmt(r.rho)}${strong ? '</b>' : ''} <small>[${fmt(r.low)}, ${fmt(r.high)}]</small></td>`;
  };
  // A row per perturbation, a column per explanation: a nightly suite has 13 perturbations and a
  // few explanations, and this way round the table fits 1280 px (the other way it was 1,619 px).
  const head = `<tr><th>perturbation</th>${explanations.map((e) => `<th>${esc(e)}</th>`).join('')}</tr>`;
  const body = families.map((f) => `<tr><td>${esc(f)}</td>${explanations.map((e) => cell(e, f)).join('')}</tr>`).join('');
  return (
    `<section id="relations"><h2>Relations</h2><p class="note">Spearman's rank correlation across the run's cells (optimizer × ` +
    `seed, n = ${rows[0]!.n}) between each candidate explanation (columns) and robustness, the ` +
    `<code>${esc(robustness)}</code> of each perturbation (rows); in brackets a percentile bootstrap 95% interval over ` +
    `cells (${BOOTSTRAP_RESAMPLES} resamples). Bold: the interval excludes 0. A correlation across optimizers is a ` +
    `clue, not a cause: optimizers differ in many ways at once.</p><div class="fit"><table ` +
    `class="num">${head}${body}</table></div></section>`
  );
}
