// The report's gallery, "What the models saw": the same few test images (one per class, chosen
// once per test set: measure/metrics/gallery.ts) at every perturbation and severity, with each
// arm's prediction under them (the first seed's models). A corruption's images are the same for
// every arm of a seed, so they are drawn once; an attack is each model's own, so each arm gets
// its adversarial image and the perturbation itself (adversarial minus clean, magnified). The
// images are PNG data URIs: the page stays one self-contained file.
import { esc } from './format.ts';
import { PALETTE } from './charts.ts';
import { pngDataUri } from './png.ts';
import { classNames } from './classes.ts';
import { armName, type RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { main, type CellResult } from '../../run/experiment/phases/main.ts';
import { armId, type Arm } from '../../run/experiment/grid.ts';
import { CLEAN, getPerturbation } from '../../measure/perturb/registry.ts';
import { decodePixels } from '../../measure/metrics/gallery.ts';
import type { SweepPoint } from '../../measure/metrics/robustness.ts';
import type { RunManifest } from '../../run/experiment/manifest.ts';

interface Pictured {
  readonly arm: Arm;
  readonly index: number;
  readonly result: CellResult;
}

/** The first seed's cells that recorded the gallery, by arm in the run's order. */
function galleryCells(view: RunView): Pictured[] {
  const first = view.suite.seeds[0];
  const cells = phaseResults(view.records, main).filter((c) => c.key.seed === first && c.result.gallery && c.result.eval);
  return view.arms.flatMap((arm, index) => {
    const cell = cells.find((c) => armId(c.key) === arm.id);
    return cell ? [{ arm, index, result: cell.result }] : [];
  });
}

const findPoint = (r: CellResult, perturbation: string, severity: number): SweepPoint | undefined =>
  r.eval?.find((p) => p.perturbation === perturbation && p.severity === severity);

/** A point's pixels, decoded once however many images and rows read them. */
const decoded = new WeakMap<SweepPoint, Uint8Array>();
const pixelsOf = (p: SweepPoint): Uint8Array => {
  let px = decoded.get(p);
  if (!px) decoded.set(p, (px = decodePixels(p.pixels!)));
  return px;
};

/** Adversarial minus clean, grey at 0, scaled by `gain` (clamped to 0-255). */
function magnified(adv: Uint8Array, clean: Uint8Array, gain: number): Uint8Array {
  return Uint8Array.from(adv, (v, j) => Math.max(0, Math.min(255, Math.round(128 + gain * (v - clean[j]!)))));
}

/** An arm's dot, in the colour the charts give it (a class per palette colour: the gallery has hundreds of dots). */
const swatch = (index: number) => `<i class="sw a${index % PALETTE.length}"></i>`;

/** The gallery's styles: the report's stylesheet includes them. */
export const GALLERY_CSS =
  'table.gallery{font-size:.78em} table.gallery td,table.gallery th{padding:2px 3px;text-align:center;vertical-align:top} ' +
  'table.gallery img{image-rendering:pixelated;display:inline-block;margin:0 1px} table.gallery img.delta{outline:1px solid #ccc} ' +
  'table.gallery th{white-space:nowrap;font-weight:normal} .pr{display:inline-block;margin:0 2px;white-space:nowrap} ' +
  '.pr.bad,span.bad{color:#C00000;font-weight:600} .pr.na{color:#888} .key{margin-right:10px;white-space:nowrap} ' +
  '.sw{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:2px;vertical-align:middle} ' +
  PALETTE.map((c, i) => `.sw.a${i}{background:${c}}`).join(' ');

/** One arm's prediction for one image: a tick when right, the predicted class in red when wrong. */
function prediction(view: RunView, p: Pictured, point: SweepPoint | undefined, k: number, label: number, names: readonly string[]): string {
  const name = esc(armName(view, p.arm));
  const predicted = point?.predicted?.[k];
  if (predicted === undefined || predicted < 0)
    return `<span class="pr na" title="${name}: no prediction (${predicted === undefined ? 'not recorded' : 'logits not finite'})">${swatch(p.index)}–</span>`;
  if (predicted === label) return `<span class="pr ok" title="${name}: ${esc(names[label]!)} (right)">${swatch(p.index)}✓</span>`;
  return `<span class="pr bad" title="${name}: ${esc(names[predicted]!)} (wrong)">${swatch(p.index)}✗ ${esc(names[predicted]!)}</span>`;
}

const img = (uri: string, w: number, h: number, title: string, cls = '') =>
  `<img${cls ? ` class="${cls}"` : ''} src="${uri}" width="${w}" height="${h}" alt="${esc(title)}" title="${esc(title)}">`;

export function gallerySection(view: RunView, manifest?: RunManifest): string {
  const cells = galleryCells(view);
  if (!cells.length) return '';
  const { indices, labels, shape } = cells[0]!.result.gallery!;
  const size = shape[0] * shape[1] * shape[2];
  const classCount = cells[0]!.result.classCounts?.length ?? 0;
  const names = classNames(view, manifest, classCount);
  /** A point's pixels from the first cell that kept them (a corruption's are the same in every cell of the seed). */
  const shared = (perturbation: string, severity: number) => cells.map((c) => findPoint(c.result, perturbation, severity)).find((p) => p?.pixels !== undefined);
  const imageAt = (p: SweepPoint, k: number) => pixelsOf(p).subarray(k * size, (k + 1) * size);
  const scale = (factor: number): [number, number] => {
    const f = Math.min(factor, 64 / Math.max(shape[1], shape[2]));
    return [Math.round(shape[2] * f), Math.round(shape[1] * f)];
  };
  const [w, h] = scale(2);
  const [aw, ah] = scale(1.5);
  const head = `<tr><th></th>${indices.map((_, k) => `<th>${esc(names[labels[k]!] ?? '?')}</th>`).join('')}</tr>`;
  const headAttack = `<tr><th></th><th></th>${indices.map((_, k) => `<th>${esc(names[labels[k]!] ?? '?')}</th>`).join('')}</tr>`;
  const cleanPoint = shared(CLEAN, 0);
  const clean = cleanPoint ? pixelsOf(cleanPoint) : undefined;
  const images = (pictured: SweepPoint | undefined, perturbation: string, severity: number) =>
    indices
      .map((_, k) => {
        const what = `${names[labels[k]!]} (test image ${indices[k]}) under ${perturbation === CLEAN ? 'no perturbation' : `${perturbation} ${severity}`}`;
        const picture = pictured ? img(pngDataUri(imageAt(pictured, k), shape), w, h, what) : '<small>image not kept</small>';
        const predictions = cells.map((c) => prediction(view, c, findPoint(c.result, perturbation, severity), k, labels[k]!, names));
        return `<td>${picture}<div>${predictions.join('')}</div></td>`;
      })
      .join('');
  const blocks: string[] = [];
  blocks.push(
    `<details open><summary>clean</summary><div class="fit"><table class="gallery">${head}` +
      `<tr><th>clean</th>${images(cleanPoint, CLEAN, 0)}</tr></table></div></details>`,
  );
  for (const [perturbation, severities] of Object.entries(view.suite.perturbations)) {
    if (perturbation === CLEAN || !severities.length) continue;
    const p = getPerturbation(perturbation);
    if (p.certify) continue;
    const unit = p.severity.unit;
    if (!p.needsGradient) {
      const rows = severities.map((s) => `<tr><th>${esc(unit)} ${s}</th>${images(shared(perturbation, s), perturbation, s)}</tr>`);
      blocks.push(
        `<details><summary>${esc(perturbation)} <small>(${esc(unit)} ${severities.join(', ')})</small></summary>` +
          `<div class="fit"><table class="gallery">${head}${rows.join('')}</table></div></details>`,
      );
      continue;
    }
    const rows: string[] = [];
    for (const s of severities) {
      // One gain per severity, for every arm and image: the largest change maps to full contrast.
      let largest = 0;
      for (const c of cells) {
        const point = findPoint(c.result, perturbation, s);
        if (!point?.pixels || !clean) continue;
        pixelsOf(point).forEach((v, j) => (largest = Math.max(largest, Math.abs(v - clean[j]!))));
      }
      const gain = largest > 0 ? 127 / largest : 1;
      cells.forEach((c, row) => {
        const point = findPoint(c.result, perturbation, s);
        const tds = indices
          .map((_, k) => {
            const label = names[labels[k]!];
            const adv = point?.pixels ? imageAt(point, k) : undefined;
            const advImg = adv
              ? img(pngDataUri(adv, shape), aw, ah, `${label}: ${perturbation} ${s} against ${armName(view, c.arm)}'s model`)
              : '<small>–</small>';
            const deltaImg =
              adv && clean
                ? img(
                    pngDataUri(magnified(adv, clean.subarray(k * size, (k + 1) * size), gain), shape),
                    aw,
                    ah,
                    `the perturbation, ×${gain.toFixed(1)}`,
                    'delta',
                  )
                : '';
            return `<td>${advImg}${deltaImg}<div>${prediction(view, c, point, k, labels[k]!, names)}</div></td>`;
          })
          .join('');
        const severityCell = row === 0 ? `<th rowspan="${cells.length}">${esc(unit)} ${s}<br><small>perturbation ×${gain.toFixed(1)}</small></th>` : '';
        rows.push(`<tr>${severityCell}<th>${swatch(c.index)}${esc(armName(view, c.arm))}</th>${tds}</tr>`);
      });
    }
    blocks.push(
      `<details><summary>${esc(perturbation)} <small>(${esc(unit)} ${severities.join(', ')}; each model's own attack)</small></summary>` +
        `<div class="fit"><table class="gallery attack">${headAttack}${rows.join('')}</table></div></details>`,
    );
  }
  const legend = cells.map((c) => `<span class="key">${swatch(c.index)}${esc(armName(view, c.arm))}</span>`).join(' ');
  return (
    `<section id="gallery"><h2>What the models saw</h2><p class="note">The same ${indices.length} test images (one per class, a seeded ` +
    `choice) under every perturbation and severity, as 8-bit images; under each, every optimizer's prediction (seed ${view.suite.seeds[0]}): ` +
    `✓ right, <span class="bad">✗ and the class it chose</span> wrong; hover for the name. An attack is made against each model, so its ` +
    `rows show each model's adversarial image and beside it the perturbation (adversarial minus clean, grey at zero, magnified by the ` +
    `factor under the severity).</p><p>${legend}</p>${blocks.join('')}</section>`
  );
}
