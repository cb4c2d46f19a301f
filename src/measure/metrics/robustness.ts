// Accuracy and mean loss on clean data and on every (perturbation, severity) of a sweep.
// Each severity draws from its own stream (seed, perturbation, severity), so every
// optimizer of a seed is tested on the very same perturbed images (for non-attacks).
import type { Network } from '../../core/model/network.ts';
import type { Split } from '../../core/data/dataset.ts';
import { CLEAN, getPerturbation } from '../perturb/registry.ts';
import type { GradientOracle, ImageShape } from '../perturb/perturbation.ts';
import { createRng } from '../../core/util/rng.ts';
import { evaluate } from './evaluate.ts';
import type { PerturbedCache } from './perturbed-cache.ts';
import type { WatchedScores } from './evaluate.ts';
import { galleryPixels } from './gallery.ts';
import { packBits } from './test-noise.ts';

/** Perturbation name -> severities; "clean" (severity 0) is always evaluated. */
export type Sweeps = Readonly<Record<string, readonly number[]>>;

export interface SweepPoint {
  readonly perturbation: string;
  readonly severity: number;
  readonly accuracy: number;
  /** Absent for a certificate (ibp), which proves correctness without a prediction to score. */
  readonly loss?: number;
  /** Calibration (absent in records made before it was measured). */
  readonly ece?: number;
  readonly brier?: number;
  /** Examples whose logits were not finite (present only when some were: then the scores are NaN). */
  readonly nonFinite?: number;
  /** Correct examples per class (absent with non-finite logits, and in records made before it was measured). */
  readonly classCorrect?: readonly number[];
  /** An ensemble's (autoattack's): the fraction still correct after each of its attacks, in its `stages` order. */
  readonly stages?: readonly number[];
  /** Examples by (label, predicted class), row-major: at clean and each perturbation's strongest severity (classification.ts). */
  readonly confusion?: readonly number[];
  /** The gallery's examples (the cell's `gallery` indices): their predicted classes, -1 where not finite. */
  readonly predicted?: readonly number[];
  /** The gallery's images as the model saw them (gallery.ts), in the cells that keep them. */
  readonly pixels?: string;
  /** Every test example's outcome (1: correct, or proved for a certificate), packed (test-noise.ts). */
  readonly outcomes?: string;
}

/** What a sweep records of the report's gallery: its examples, and which points keep their images. */
export interface GalleryRequest {
  readonly indices: readonly number[];
  /** 'all': every point's images; 'model': only those a model shapes (attacks), the rest being the same in every cell of a seed. */
  readonly images: 'all' | 'model' | 'none';
}

const point = (perturbation: string, severity: number, s: WatchedScores, confusion: boolean): SweepPoint => ({
  perturbation,
  severity,
  accuracy: s.accuracy,
  loss: s.loss,
  ece: s.ece,
  brier: s.brier,
  ...(s.nonFinite ? { nonFinite: s.nonFinite } : {}),
  ...(s.classCorrect ? { classCorrect: s.classCorrect } : {}),
  ...(confusion && s.confusion ? { confusion: s.confusion } : {}),
  ...(s.predicted ? { predicted: s.predicted } : {}),
  outcomes: packBits(s.correct),
});

/** A certificate's point: the proved fraction, per class as well. */
function certifiedPoint(perturbation: string, severity: number, proved: Uint8Array, labels: Uint8Array, classes: number | undefined): SweepPoint {
  let n = 0;
  const classCorrect = classes === undefined ? undefined : new Array<number>(classes).fill(0);
  proved.forEach((v, i) => {
    n += v;
    if (v && classCorrect) classCorrect[labels[i]!]! += 1;
  });
  return {
    perturbation,
    severity,
    accuracy: proved.length ? n / proved.length : Number.NaN,
    ...(classCorrect ? { classCorrect } : {}),
    outcomes: packBits(proved),
  };
}

/** Test examples per class: the denominators of every point's `classCorrect`. */
export function classCounts(labels: Uint8Array, count: number, classes: number): number[] {
  const n = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i++) n[labels[i]!]! += 1;
  return n;
}

export async function evaluateSweeps(
  net: Network,
  params: readonly Float32Array[],
  split: Split,
  shape: ImageShape,
  sweeps: Sweeps,
  seed: number,
  gradient: GradientOracle,
  /** Keeps model-free perturbed sets across calls (cells); none: each is drawn afresh. */
  cache?: PerturbedCache,
  gallery?: GalleryRequest,
): Promise<SweepPoint[]> {
  const watch = gallery ? { watch: gallery.indices } : {};
  const size = shape[0] * shape[1] * shape[2];
  const pictured = (pt: SweepPoint, images: Float32Array, byModel: boolean): SweepPoint =>
    gallery && (gallery.images === 'all' || (gallery.images === 'model' && byModel)) ? { ...pt, pixels: galleryPixels(images, gallery.indices, size) } : pt;
  const clean = await evaluate(net, params, split, split.images, watch);
  const points: SweepPoint[] = [pictured(point(CLEAN, 0, clean, true), split.images, false)];
  for (const [name, severities] of Object.entries(sweeps)) {
    if (name === CLEAN) continue;
    const p = getPerturbation(name);
    const strongest = Math.max(...severities);
    for (const severity of severities) {
      const scored = async (images: Float32Array) => point(name, severity, await evaluate(net, params, split, images, watch), severity === strongest);
      const input = { images: split.images, labels: split.labels, count: split.count, shape, rng: createRng(seed, `perturb:${name}:${severity}`), gradient };
      if (p.certify) {
        points.push(certifiedPoint(name, severity, await p.certify(input, severity), split.labels, clean.classCorrect?.length));
        continue;
      }
      if (p.applyStaged && p.stages) {
        const { images, brokenBy } = await p.applyStaged(input, severity);
        const stages = p.stages.map((_, k) => brokenBy.reduce((a, b) => a + (b === -1 || b > k ? 1 : 0), 0) / split.count);
        points.push(pictured({ ...(await scored(images)), stages }, images, true));
        continue;
      }
      const make = () => p.apply(input, severity);
      const images = cache && !p.needsGradient ? await cache.get(split.images, `${seed}:${name}:${severity}`, make) : await make();
      points.push(pictured(await scored(images), images, p.needsGradient));
    }
  }
  return points;
}

/** The points of a sweep whose logits were not finite, as "clean", "fgsm 0.1", ...; undefined when there are none. */
export function nonFiniteProblem(points: readonly SweepPoint[] | null | undefined): string | undefined {
  const bad = (points ?? []).filter((p) => p.nonFinite || Number.isNaN(p.accuracy));
  if (!bad.length) return undefined;
  const names = bad.slice(0, 4).map((p) => (p.perturbation === CLEAN ? CLEAN : `${p.perturbation} ${p.severity}`));
  return `non-finite logits (${names.join(', ')}${bad.length > 4 ? `, and ${bad.length - 4} more` : ''}): its accuracies are NaN`;
}
