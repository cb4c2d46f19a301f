// FAB-T, the targeted Fast Adaptive Boundary attack (Croce & Hein, ICML 2020), L∞ and L2, as
// AutoAttack's standard version runs it (github.com/fra31/auto-attack, autoattack/fab_base.py,
// fab_pt.py, fab_projections.py: FABAttack_PT with targeted=True, 1 restart without a random
// start, 100 iterations, alpha_max 0.1, eta 1.05, beta 0.9, the 9 most likely wrong classes).
// FAB looks for the *smallest* perturbation: per iteration it linearises f = z_t - z_y at the
// current point x₁, projects both x₁ and the clean x₀ onto {f's linearisation = 0} ∩ [0, 1]ᴰ
// (exactly, in the attack's norm: fab_projections.py), and moves to a convex combination of the
// two projections, extrapolated by eta, with weight alpha = min(‖d₁‖/(‖d₁‖ + ‖d₀‖), alpha_max)
// on the clean side. A misclassified point closer than the best so far is kept, and the
// iterate steps back towards x₀ by beta. The attack succeeds at ε when its point is within ε.
// No random draws: with one restart, FAB-T is deterministic.
import type { GradientOracle, Perturbation, PerturbInput } from './perturbation.ts';
import { argmaxCorrect, gather, indicesOf, scatter, sortedClasses } from './logits.ts';
import { runNorm } from './l2.ts';
import { LOGIT_LOSSES } from '../../core/model/logit-loss.ts';

export type FabNorm = 'linf' | 'l2';

export const FAB = { steps: 100, targets: 9, alphaMax: 0.1, eta: 1.05, beta: 0.9 } as const;

/**
 * Indices of v in ascending order. The projections sort a few thousand values per example and
 * iteration, so the index rides in the lowest mantissa bits of a copy and the copy is sorted
 * natively: values equal to within those bits (2⁻⁴⁰ relative for 4,096 values) count as ties,
 * and the projections give the same result, up to rounding, whatever the order within a tie.
 */
function argsort(v: Float64Array, sc: Scratch): Int32Array {
  const n = v.length;
  const bits = Math.max(1, Math.ceil(Math.log2(n)));
  if (bits > 20) return Int32Array.from(v.keys()).sort((i, j) => v[i]! - v[j]! || i - j);
  const { keys, words, idx } = sc;
  keys.set(v);
  const mask = (1 << bits) - 1;
  for (let i = 0; i < n; i++) words[2 * i] = ((words[2 * i]! & ~mask) | i) >>> 0; // little-endian: the low word first
  keys.sort();
  for (let k = 0; k < n; k++) idx[k] = words[2 * k]! & mask;
  return idx;
}

/** Work buffers of the projections for one length, reused call after call (they run synchronously). */
class Scratch {
  readonly w: Float64Array;
  readonly a: Float64Array;
  readonly p: Float64Array;
  readonly s: Float64Array;
  readonly sb: Float64Array;
  readonly rs: Float64Array;
  readonly rs2: Float64Array;
  readonly keys: Float64Array;
  readonly words: Uint32Array;
  readonly idx: Int32Array;
  constructor(readonly n: number) {
    const buffer = () => new Float64Array(n + 1);
    this.w = buffer();
    this.a = buffer();
    this.p = buffer();
    this.s = buffer();
    this.sb = buffer();
    this.rs = buffer();
    this.rs2 = buffer();
    this.keys = new Float64Array(n);
    this.words = new Uint32Array(this.keys.buffer);
    this.idx = new Int32Array(n);
  }
}
let scratch: Scratch | undefined;
const scratchFor = (n: number): Scratch => (scratch?.n === n ? scratch : (scratch = new Scratch(n)));

/**
 * The step d taking t onto {w·x = b} within the box [0, 1]ᴰ with the least L∞ norm
 * (projection_linf, one row).
 */
export function projectionLinf(t: Float32Array | Float64Array, wIn: Float64Array, bIn: number, d = new Float64Array(t.length)): Float64Array {
  const n = t.length;
  const sc = scratchFor(n);
  let wt = 0;
  for (let j = 0; j < n; j++) wt += wIn[j]! * t[j]!;
  const sign = wt - bIn >= 0 ? 1 : -1;
  const { w, a, p, s, sb } = sc;
  for (let j = 0; j < n; j++) w[j] = wIn[j]! * sign;
  let b = bIn * sign;
  for (let j = 0; j < n; j++) {
    a[j] = w[j]! < 0 ? 1 : 0;
    d[j] = w[j] !== 0 ? a[j]! - t[j]! : 0;
    p[j] = a[j]! - t[j]! * (2 * a[j]! - 1);
  }
  const indp = argsort(p.subarray(0, n), sc);
  b -= wt * sign;
  let b0 = 0;
  for (let j = 0; j < n; j++) b0 += w[j]! * d[j]!;
  // ws, bs2 in descending order of p; s, sb their running sums.
  let accS = 0;
  let accB = b0;
  for (let k = 0; k < n; k++) {
    const j = indp[n - 1 - k]!;
    accS += Math.abs(w[j]!);
    accB += -w[j]! * d[j]!;
    s[k] = accS;
    sb[k] = accB;
  }
  const b2Full = sb[n - 1]! - s[n - 1]! * p[indp[0]!]!;
  const cl = b - b2Full > 0;
  const c2 = b - b0 > 0 && !cl;
  if (cl) {
    const l = Math.max((b - sb[n - 1]!) / -s[n - 1]!, 0);
    for (let j = 0; j < n; j++) d[j] = (2 * a[j]! - 1) * l;
  } else if (c2) {
    let lb = 0;
    let ub = n - 1;
    const iters = Math.ceil(Math.log2(n));
    for (let it = 0; it < iters; it++) {
      const mid = Math.floor((lb + ub) / 2);
      const b2 = sb[mid]! - s[mid]! * p[indp[n - 1 - mid]!]!;
      if (b - b2 > 0) lb = mid;
      else ub = mid;
    }
    const l = Math.max((b - sb[lb]!) / -s[lb]!, 0);
    for (let j = 0; j < n; j++) d[j] = Math.min(l, d[j]!) * a[j]! + Math.max(-l, d[j]!) * (1 - a[j]!);
  }
  for (let j = 0; j < n; j++) if (w[j] === 0) d[j] = 0;
  return d;
}

/** The same with the least L2 norm (projection_l2, one row). */
export function projectionL2(t: Float32Array | Float64Array, wIn: Float64Array, bIn: number, d = new Float64Array(t.length)): Float64Array {
  const n = t.length;
  const sc = scratchFor(n);
  let c = -bIn;
  for (let j = 0; j < n; j++) c += wIn[j]! * t[j]!;
  const sign = c >= 0 ? 1 : -1;
  const { w, a: r, rs, rs2, p: ws, sb: s } = sc;
  for (let j = 0; j < n; j++) w[j] = wIn[j]! * sign;
  c *= sign;
  const BIG = 1e12;
  for (let j = 0; j < n; j++) {
    if (Math.abs(w[j]!) < 1e-8) r[j] = BIG;
    else {
      const v = Math.min(BIG, Math.max(-BIG, Math.max(t[j]! / w[j]!, (t[j]! - 1) / w[j]!)));
      r[j] = v === -BIG ? BIG : v;
    }
  }
  const indr = argsort(r.subarray(0, n), sc);
  for (let k = 0; k < n; k++) rs[k] = r[indr[k]!]!;
  for (let k = 0; k < n - 1; k++) rs2[k] = rs[k + 1]!;
  rs2[n - 1] = 0;
  for (let k = 0; k < n; k++) {
    if (rs[k] === BIG) rs[k] = 0;
    if (rs2[k] === BIG) rs2[k] = 0;
  }
  let w5 = 0;
  for (let j = 0; j < n; j++) w5 += w[j]! * w[j]!;
  let cum = 0;
  for (let k = 0; k < n; k++) {
    const j = indr[k]!;
    cum += w[j]! * w[j]!;
    ws[k] = w5 - cum;
  }
  let dw = 0;
  for (let j = 0; j < n; j++) {
    d[j] = Math.abs(w[j]!) > 1e-8 ? -(r[j]! * w[j]!) : 0;
    dw += d[j]! * w[j]!;
  }
  s[0] = -w5 * rs[0]!;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += (-rs2[k]! + rs[k]!) * ws[k]!;
    s[k + 1] = acc - w5 * rs[0]!;
  }
  const c4 = s[0]! + c < 0;
  const c3 = dw + c > 0;
  if (c4) {
    const alpha = c / w5;
    for (let j = 0; j < n; j++) d[j] = -alpha * w[j]!;
  } else if (!c3) {
    let lb = 0;
    let ub = n - 1;
    const iters = Math.ceil(Math.log2(n));
    for (let it = 0; it < iters; it++) {
      const mid = Math.floor((lb + ub) / 2);
      if (s[mid]! + c > 0) lb = mid;
      else ub = mid;
    }
    const alpha = ws[lb] === 0 ? 0 : (s[lb]! + c) / ws[lb]! + rs[lb]!;
    for (let j = 0; j < n; j++) if (!(alpha > r[j]!)) d[j] = -alpha * w[j]!;
  }
  for (let j = 0; j < n; j++) if (!(Math.abs(w[j]!) > 1e-8)) d[j] = 0;
  return d;
}

const norm = (kind: FabNorm, v: ArrayLike<number>, from: number, len: number): number => {
  if (kind === 'l2') return runNorm(v, from, len);
  let s = 0;
  for (let j = from; j < from + len; j++) s = Math.max(s, Math.abs(v[j]!));
  return s;
};

/**
 * One targeted run (attack_single_run, is_targeted, no random start) on examples all correctly
 * classified; returns the closest misclassified point found per example and its distance
 * (Infinity where none was found).
 */
export async function fabRun(
  kind: FabNorm,
  x0: Float32Array,
  labels: Uint8Array,
  targets: Uint8Array,
  count: number,
  oracle: GradientOracle,
  steps: number = FAB.steps,
): Promise<{ adv: Float32Array; distance: Float64Array }> {
  const d = x0.length / count;
  const adv = Float32Array.from(x0);
  const best = new Float64Array(count).fill(Infinity);
  let x1 = Float32Array.from(x0);
  const project = kind === 'linf' ? projectionLinf : projectionL2;
  const w = new Float64Array(d);
  const step1 = new Float64Array(d);
  const step2 = new Float64Array(d);
  const delta = new Float64Array(d);
  for (let it = 0; it < steps; it++) {
    const { dx, logits } = await oracle.lossGrad!('margin', x1, labels, count, targets);
    const k = logits.length / count;
    const next = new Float32Array(x1.length);
    for (let i = 0; i < count; i++) {
      const row = x1.subarray(i * d, (i + 1) * d);
      w.set(dx.subarray(i * d, (i + 1) * d));
      const f = logits[i * k + targets[i]!]! - logits[i * k + labels[i]!]!;
      let wx = 0;
      for (let j = 0; j < d; j++) wx += w[j]! * row[j]!;
      const b = -f + wx;
      const d1 = project(row, w, b, step1);
      const d2 = project(x0.subarray(i * d, (i + 1) * d), w, b, step2);
      const a1 = Math.max(norm(kind, d1, 0, d), 1e-8);
      const a2 = Math.max(norm(kind, d2, 0, d), 1e-8);
      const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), FAB.alphaMax);
      for (let j = 0; j < d; j++) {
        const v = (row[j]! + FAB.eta * d1[j]!) * (1 - alpha) + (x0[i * d + j]! + d2[j]! * FAB.eta) * alpha;
        next[i * d + j] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
    x1 = next;
    const correct = argmaxCorrect(await oracle.logits!(x1, count), labels, count);
    for (let i = 0; i < count; i++) {
      if (correct[i]) continue;
      for (let j = 0; j < d; j++) delta[j] = x1[i * d + j]! - x0[i * d + j]!;
      const t = norm(kind, delta, 0, d);
      if (t < best[i]!) {
        best[i] = t;
        adv.set(x1.subarray(i * d, (i + 1) * d), i * d);
      }
      for (let j = 0; j < d; j++) x1[i * d + j] = x0[i * d + j]! + delta[j]! * FAB.beta;
    }
  }
  return { adv, distance: best };
}

export interface FabOptions {
  readonly norm: FabNorm;
  readonly steps?: number;
  readonly targets?: number;
}

/**
 * FAB-T as AutoAttack's perturb() runs it: for each target class (the k-th most likely class of
 * the clean image, k = 2, 3, ...) the examples not yet fooled are attacked; a point counts when it
 * is misclassified and within ε.
 */
export async function fabAttack(o: FabOptions, { images, labels, count, gradient }: PerturbInput, eps: number, robust?: Uint8Array): Promise<Float32Array> {
  const name = o.norm === 'linf' ? 'fab_t' : 'fab_t_l2';
  if (!gradient?.lossGrad || !gradient.logits) throw new Error(`${name}: needs a gradient oracle with the margin loss and logits`);
  const adv = Float32Array.from(images);
  if (eps === 0 || count === 0) return adv;
  const clean = await gradient.logits(images, count);
  const classes = clean.length / count;
  const acc = robust ?? argmaxCorrect(clean, labels, count);
  const d = images.length / count;
  for (let round = 0; round < Math.min(o.targets ?? FAB.targets, classes - 1); round++) {
    const idx = indicesOf(acc);
    if (!idx.length) break;
    const targets = Uint8Array.from(idx, (i) => sortedClasses(clean, count, i)[round + 1]!);
    const run = await fabRun(o.norm, gather(images, count, idx), gather(labels, count, idx), targets, idx.length, gradient, o.steps);
    const y = gather(labels, count, idx);
    const correct = argmaxCorrect(await gradient.logits(run.adv, idx.length), y, idx.length);
    const fooled = Uint8Array.from(idx, (i, j) => {
      const delta = Float64Array.from(run.adv.subarray(j * d, (j + 1) * d), (v, q) => v - images[i * d + q]!);
      return !correct[j] && norm(o.norm, delta, 0, d) <= eps ? 1 : 0;
    });
    scatter(adv, count, idx, run.adv, fooled);
    idx.forEach((i, j) => fooled[j] && (acc[i] = 0));
  }
  return adv;
}

function makeFab(kind: FabNorm): Perturbation {
  const linf = kind === 'linf';
  return {
    name: linf ? 'fab_t' : 'fab_t_l2',
    description:
      `FAB-T (Croce & Hein 2020), AutoAttack's standard version: ${FAB.steps} ${linf ? 'L-inf' : 'L2'} iterations towards each of the ` +
      `${FAB.targets} most likely wrong classes, kept when within eps`,
    severity: { unit: linf ? 'eps (L-inf)' : 'eps (L2)', min: 0, max: linf ? 1 : 100 },
    needsGradient: true,
    // A gradient and a forward pass per iteration, per target class.
    threat: { norm: kind, access: 'white', passes: 2 * FAB.steps * FAB.targets },
    minClasses: LOGIT_LOSSES.margin.minClasses,
    apply: (input: PerturbInput, eps: number) => fabAttack({ norm: kind }, input, eps),
  };
}

export const fabT = makeFab('linf');
export const fabTL2 = makeFab('l2');
