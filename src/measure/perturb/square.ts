// Square Attack (Andriushchenko, Croce, Flammarion & Hein, ECCV 2020), L∞ and L2, as AutoAttack
// runs it (github.com/fra31/auto-attack, autoattack/square.py: SquareAttack with p_init 0.8,
// 5,000 queries, 1 restart, the margin loss, resc_schedule False). A query attack: it reads
// only the model's logits, so it also measures a model whose gradient is useless (masked).
//   loss: the margin z_y - max_{c≠y} z_c, minimised; ≤ 0 is a success.
//   L∞ start: x + ε·(random sign per example, channel and image column), clipped to [0, 1].
//   L∞ step: a square window of side s (the same place for the whole batch) gets ±2ε per
//     channel on top of the best point so far, projected onto the ε-ball and [0, 1].
//   L2 start: a 5x5 grid of s = ⌊h/5⌋ blocks, each AutoAttack's "eta" pattern (two opposite
//     mountains of 1/(r+1)² rings) times a random sign per example and channel, scaled to ε.
//   L2 step: one window's mass moves into another: the first window gets a fresh eta pattern
//     plus its old content, rescaled to take the budget the image has left and the two windows'
//     mass, the second is emptied; then the whole change is rescaled to ε.
//   side s: round(√(p·h·w)) with p = 0.8 halved at iterations 10, 50, 200, 500, 1000, 2000, 4000,
//     6000 and 8000 (at least 1, L2: at least 3 and odd), at most the image side.
//   A candidate is kept when its loss is lower or it is misclassified. Examples are attacked
//   in AutoAttack's batches of 250, only while still correctly classified.
// Every random draw is made in the reference's order from the perturbation's stream.
import { clip01, type Perturbation, type PerturbInput } from './perturbation.ts';
import type { Rng } from '../../core/util/rng.ts';
import { argmaxCorrect, gather, indicesOf, margins, scatter } from './logits.ts';
import { runNorm } from './l2.ts';

export type SquareNorm = 'linf' | 'l2';

/** AutoAttack's standard settings and its evaluation batch. */
export const SQUARE = { queries: 5000, pInit: 0.8, batch: 250 } as const;

/** AutoAttack's p_selection without rescaling: the window's share of the image at iteration `it`. */
export function squareP(it: number, pInit: number = SQUARE.pInit): number {
  const halvings = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000].filter((cut) => it > cut).length;
  return pInit / 2 ** halvings;
}

/** Python's round(): halves to even. */
const roundHalfEven = (v: number): number => {
  const f = Math.floor(v);
  const r = v - f;
  return r > 0.5 || (r === 0.5 && f % 2 !== 0) ? f + 1 : f;
};

/** The window side at iteration `it` for an image of h x w with c channels. */
export function squareSide(norm: SquareNorm, it: number, c: number, h: number, w: number): number {
  const features = c * h * w;
  let s = Math.max(roundHalfEven(Math.sqrt((squareP(it) * features) / c)), norm === 'linf' ? 1 : 3);
  if (norm === 'l2' && s % 2 === 0) s += 1;
  return Math.min(s, Math.min(h, w));
}

/** torch's sign(2·U - 1): AutoAttack's random_choice. */
const randomSign = (rng: Rng): number => Math.sign(2 * rng() - 1);
/** (low + (high - low)·U).long(): AutoAttack's random_int. */
const randomInt = (rng: Rng, low: number, high: number): number => Math.trunc(low + (high - low) * rng());

/** AutoAttack's eta_rectangles for L2: rings 1/(r+1)² around the centre, unit L2 norm. [x, y] row-major. */
function etaRectangles(x: number, y: number): Float64Array {
  const delta = new Float64Array(x * y);
  const xc = Math.trunc(x / 2) + 1;
  const yc = Math.trunc(y / 2) + 1;
  let c0 = xc - 1;
  let c1 = yc - 1;
  for (let r = 0; r < Math.max(xc, yc); r++) {
    for (let i = Math.max(c0, 0); i < Math.min(c0 + 2 * r + 1, x); i++)
      for (let j = Math.max(0, c1); j < Math.min(c1 + 2 * r + 1, y); j++) delta[i * y + j]! += 1 / (r + 1) ** 2;
    c0 -= 1;
    c1 -= 1;
  }
  return normalised(delta);
}

function normalised(v: Float64Array): Float64Array {
  let n = 0;
  for (const e of v) n += e * e;
  n = Math.sqrt(n);
  return v.map((e) => e / n);
}

/** AutoAttack's eta(s) for L2: two opposite halves, unit norm, transposed when a draw exceeds 0.5. */
export function squareEta(s: number, rng: Rng): Float64Array {
  const top = etaRectangles(Math.trunc(s / 2), s);
  const bottom = etaRectangles(s - Math.trunc(s / 2), s);
  const delta = new Float64Array(s * s);
  delta.set(top, 0);
  bottom.forEach((v, i) => (delta[top.length + i] = -v));
  const out = normalised(delta);
  if (rng() > 0.5) return out.map((_, k) => out[(k % s) * s + Math.trunc(k / s)]!);
  return out;
}

type Logits = (x: Float32Array, n: number) => Promise<Float32Array>;

/** One run of the attack on a batch (attack_single_run); returns the best points. */
async function squareRun(
  norm: SquareNorm,
  eps: number,
  x: Float32Array,
  y: Uint8Array,
  n: number,
  shape: readonly number[],
  queries: number,
  rng: Rng,
  logits: Logits,
) {
  const [c, h, w] = shape as [number, number, number];
  const d = c * h * w;
  const best = new Float32Array(x.length);
  if (norm === 'linf') {
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let col = 0; col < w; col++) {
          const sign = randomSign(rng);
          for (let row = 0; row < h; row++) {
            const j = i * d + (ch * h + row) * w + col;
            best[j] = clip01(x[j]! + eps * sign);
          }
        }
  } else {
    if (h < 5) throw new Error(`square_l2: its start tiles the image with 5 blocks a side; an image of height ${h} is too small`);
    const delta = new Float64Array(x.length);
    const s = Math.trunc(h / 5);
    const sp = Math.trunc((h - s * 5) / 2);
    let vh = sp;
    for (let bi = 0; bi < Math.trunc(h / s); bi++) {
      let vw = sp;
      for (let bj = 0; bj < Math.trunc(w / s); bj++) {
        const eta = squareEta(s, rng);
        for (let i = 0; i < n; i++)
          for (let ch = 0; ch < c; ch++) {
            const sign = randomSign(rng);
            for (let a = 0; a < s && vh + a < h; a++)
              for (let b = 0; b < s && vw + b < w; b++) delta[i * d + (ch * h + vh + a) * w + vw + b]! += eta[a * s + b]! * sign;
          }
        vw += s;
      }
      vh += s;
    }
    for (let i = 0; i < n; i++) {
      const f = eps / (runNorm(delta, i * d, d) + 1e-12);
      for (let j = i * d; j < (i + 1) * d; j++) best[j] = clip01(x[j]! + delta[j]! * f);
    }
  }
  const marginMin = margins(await logits(best, n), y, n);
  const lossMin = Float64Array.from(marginMin);
  if (marginMin.every((m) => m < 0)) return best;
  for (let it = 0; it < queries; it++) {
    const idx: number[] = [];
    marginMin.forEach((m, i) => m > 0 && idx.push(i));
    if (!idx.length) break;
    const xs = gather(x, n, idx);
    const cand = gather(best, n, idx);
    const m = idx.length;
    if (norm === 'linf') {
      const s = squareSide('linf', it, c, h, w);
      const vh = randomInt(rng, 0, h - s);
      const vw = randomInt(rng, 0, w - s);
      const signs = Array.from({ length: c }, () => randomSign(rng));
      for (let i = 0; i < m; i++)
        for (let ch = 0; ch < c; ch++)
          for (let a = vh; a < vh + s; a++)
            for (let b = vw; b < vw + s; b++) {
              const j = i * d + (ch * h + a) * w + b;
              cand[j] = clip01(Math.min(Math.max(cand[j]! + 2 * eps * signs[ch]!, xs[j]! - eps), xs[j]! + eps));
            }
    } else squareL2Step(cand, xs, m, c, h, w, eps, it, rng);
    const margin = margins(await logits(cand, m), gather(y, n, idx), m);
    const keep = new Uint8Array(m);
    idx.forEach((i, j) => {
      const improved = margin[j]! < lossMin[i]!;
      if (improved) lossMin[i] = margin[j]!;
      if (improved || margin[j]! <= 0) {
        keep[j] = 1;
        marginMin[i] = margin[j]!;
      }
    });
    scatter(best, n, idx, cand, keep);
  }
  return best;
}

/** One L2 proposal for every example in `cand` (the best points), in place. */
function squareL2Step(cand: Float32Array, xs: Float32Array, m: number, c: number, h: number, w: number, eps: number, it: number, rng: Rng): void {
  const d = c * h * w;
  const s = squareSide('l2', it, c, h, w);
  const vh = randomInt(rng, 0, h - s);
  const vw = randomInt(rng, 0, w - s);
  const vh2 = randomInt(rng, 0, h - s);
  const vw2 = randomInt(rng, 0, w - s);
  const eta = squareEta(s, rng);
  const signs = Array.from({ length: m * c }, () => randomSign(rng));
  const delta = new Float64Array(d);
  const fresh = new Float64Array(s * s);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d; j++) delta[j] = cand[i * d + j]! - xs[i * d + j]!;
    const normImage = runNorm(delta, 0, d);
    const room = Math.max(eps * eps - normImage * normImage, 0) / c;
    for (let ch = 0; ch < c; ch++) {
      const o = ch * h * w;
      // Mass in window 1, and in the union of the two windows (their overlap counted once).
      const mass = (top: number, left: number, bottom: number, right: number) => {
        let m2 = 0;
        for (let a = top; a < bottom; a++)
          for (let b = left; b < right; b++) {
            const v = delta[o + a * w + b]!;
            m2 += v * v;
          }
        return m2;
      };
      let window1 = mass(vh, vw, vh + s, vw + s);
      const overlap = mass(Math.max(vh, vh2), Math.max(vw, vw2), Math.min(vh, vh2) + s, Math.min(vw, vw2) + s);
      const windows = window1 + mass(vh2, vw2, vh2 + s, vw2 + s) - overlap;
      window1 = Math.sqrt(window1);
      let freshNorm = 0;
      for (let a = 0; a < s; a++)
        for (let b = 0; b < s; b++) {
          const v = eta[a * s + b]! * signs[i * c + ch]! + delta[o + (vh + a) * w + vw + b]! / (1e-12 + window1);
          fresh[a * s + b] = v;
          freshNorm += v * v;
        }
      const f = Math.sqrt(room + windows) / (1e-12 + Math.sqrt(freshNorm));
      for (let a = vh2; a < vh2 + s; a++) for (let b = vw2; b < vw2 + s; b++) delta[o + a * w + b] = 0;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) delta[o + (vh + a) * w + vw + b] = fresh[a * s + b]! * f;
    }
    const f = eps / (runNorm(delta, 0, d) + 1e-12);
    for (let j = 0; j < d; j++) cand[i * d + j] = clip01(xs[i * d + j]! + delta[j]! * f);
  }
}

export interface SquareOptions {
  readonly norm: SquareNorm;
  readonly queries?: number;
}

/**
 * The attack as AutoAttack's perturb() runs it, batch by batch: only correctly classified
 * examples (or those `robust` marks) are attacked; a success replaces the clean image.
 */
export async function squareAttack(
  o: SquareOptions,
  { images, labels, count, shape, rng, gradient }: PerturbInput,
  eps: number,
  robust?: Uint8Array,
): Promise<Float32Array> {
  const name = o.norm === 'linf' ? 'square' : 'square_l2';
  const logits = gradient?.logits;
  if (!logits) throw new Error(`${name}: needs the model's logits`);
  const adv = Float32Array.from(images);
  if (eps === 0 || count === 0) return adv;
  const acc = robust ?? argmaxCorrect(await logits(images, count), labels, count);
  const todo = indicesOf(acc);
  for (let start = 0; start < todo.length; start += SQUARE.batch) {
    const idx = todo.slice(start, start + SQUARE.batch);
    const x = gather(images, count, idx);
    const y = gather(labels, count, idx);
    const out = await squareRun(o.norm, eps, x, y, idx.length, shape, o.queries ?? SQUARE.queries, rng, logits);
    scatter(
      adv,
      count,
      idx,
      out,
      argmaxCorrect(await logits(out, idx.length), y, idx.length).map((v) => 1 - v),
    );
  }
  return adv;
}

function makeSquare(norm: SquareNorm): Perturbation {
  const linf = norm === 'linf';
  return {
    name: linf ? 'square' : 'square_l2',
    description:
      `Square Attack (Andriushchenko et al. 2020), AutoAttack's: ${SQUARE.queries} queries ` + `of the logits alone, ${linf ? 'L-inf' : 'L2'}, margin loss`,
    severity: { unit: linf ? 'eps (L-inf)' : 'eps (L2)', min: 0, max: linf ? 1 : 100 },
    needsGradient: true,
    threat: { norm, access: 'black', passes: SQUARE.queries },
    apply: (input: PerturbInput, eps: number) => squareAttack({ norm }, input, eps),
  };
}

export const square = makeSquare('linf');
export const squareL2 = makeSquare('l2');
