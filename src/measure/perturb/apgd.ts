// APGD-CE (Croce & Hein, ICML 2020, "Reliable evaluation of adversarial robustness with an
// ensemble of diverse parameter-free attacks"), as AutoAttack's APGDAttack computes one
// restart (github.com/fra31/auto-attack, autoattack/autopgd_base.py, attack_single_run):
//   start: x₀ + ε·t/‖t‖∞ (t uniform in [-1, 1]) for L∞, x₀ + ε·t/‖t‖₂ (t normal) for L2, in [0, 1]
//   step size η = 2ε; then for i = 0..N-1, with a = 1 at i = 0 and 0.75 after:
//     z = P(x + η·s(∇)), s = sign for L∞, ∇/‖∇‖₂ for L2;  x ← P(x + a·(z - x) + (1-a)·(x - x_prev))
//     (P: onto the ε-ball around x₀ and [0, 1]; for L2 as AutoAttack: rescale to ε, then clip)
//   each example keeps its highest-loss point and gradient; at checkpoints, when the loss rose
//   at no more than 75% of the steps since the last one, or neither the step size was halved
//   last time nor the best loss improved, its step size halves and it restarts from its best
//   point. Checkpoint spacing starts at ⌊0.22N⌋ and shrinks by ⌊0.03N⌋ to at least ⌊0.06N⌋ (each at least 1)
//   (as AutoAttack: max(int(0.22N), 1), ...).
// The result is, per example, the last iterate the model misclassified, else the start.
// `apgd`/`apgd_l2`: one restart of N = 10 iterations on every example (PGD's default here, for
// comparisons at equal cost; AutoAttack uses 100), on the cross-entropy.
// `apgd_dlr`, `apgd_t` (and _l2): AutoAttack's perturb(), see makeAutoApgd below.
import { clip01, type GradientOracle, type Perturbation, type PerturbInput } from './perturbation.ts';
import { exampleNorms } from './l2.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';
import type { Rng } from '../../core/util/rng.ts';
import { LOGIT_LOSSES } from '../../core/model/logit-loss.ts';
import { argmaxCorrect, crossEntropy, gather, indicesOf, scatter, sortedClasses } from './logits.ts';

export type ApgdNorm = 'linf' | 'l2';

export const APGD_STEPS = 10;

/** AutoAttack's checkpoint rule: the first spacing, its decrement and its minimum, for N iterations. */
export function apgdSchedule(n: number): { readonly first: number; readonly decrement: number; readonly minimum: number } {
  return { first: Math.max(Math.trunc(0.22 * n), 1), decrement: Math.max(Math.trunc(0.03 * n), 1), minimum: Math.max(Math.trunc(0.06 * n), 1) };
}

/** The loss an APGD run climbs: the cross-entropy or one of AutoAttack's DLR losses. */
export type ApgdLoss = 'ce' | 'dlr' | 'dlr_targeted';

interface RunResult {
  /** Per example: the last iterate the model misclassified, else the start. */
  readonly adv: Float32Array;
  /** 1 where some iterate (the start included) was misclassified. */
  readonly fooled: Uint8Array;
}

/** Each example's loss gradient and loss at x, with the logits, for the chosen loss. */
async function lossAt(
  oracle: GradientOracle,
  loss: ApgdLoss,
  x: Float32Array,
  labels: Uint8Array,
  count: number,
  targets: Uint8Array | undefined,
): Promise<{ dx: Float32Array; logits: Float32Array; loss: Float64Array }> {
  if (loss === 'ce') {
    const r = await oracle.withLogits!(x, labels, count);
    return { ...r, loss: crossEntropy(r.logits, labels, count) };
  }
  const r = await oracle.lossGrad!(loss, x, labels, count, targets);
  const k = r.logits.length / count;
  const rule = LOGIT_LOSSES[loss];
  return { ...r, loss: Float64Array.from({ length: count }, (_, i) => rule.value(r.logits, k, i, labels[i]!, targets?.[i] ?? 0)) };
}

/** One APGD restart (AutoAttack's attack_single_run) on `count` examples. */
async function apgdRun(
  norm: ApgdNorm,
  loss: ApgdLoss,
  steps: number,
  eps: number,
  x0: Float32Array,
  labels: Uint8Array,
  count: number,
  targets: Uint8Array | undefined,
  rng: Rng,
  oracle: GradientOracle,
): Promise<RunResult> {
  const linf = norm === 'linf';
  const d = x0.length / count;
  // Projection of a candidate onto the ε-ball around x₀ and [0, 1], in place.
  const project = (v: Float64Array, out: Float32Array) => {
    if (linf) {
      for (let j = 0; j < v.length; j++) out[j] = clip01(Math.min(x0[j]! + eps, Math.max(x0[j]! - eps, v[j]!)));
      return;
    }
    const delta = new Float64Array(v.length);
    for (let j = 0; j < v.length; j++) delta[j] = v[j]! - x0[j]!;
    const dn = exampleNorms(delta, count);
    for (let i = 0; i < count; i++) {
      // AutoAttack: x₀ + δ/(‖δ‖ + 1e-12)·min(ε, ‖δ‖), then clipped.
      const f = Math.min(eps, dn[i]!) / (dn[i]! + 1e-12);
      for (let j = i * d; j < (i + 1) * d; j++) out[j] = clip01(x0[j]! + f * delta[j]!);
    }
  };
  // The start.
  const bulk = new BulkRng(rng);
  const t = new Float64Array(x0.length);
  if (linf) {
    bulk.fillUniform(t);
    for (let j = 0; j < t.length; j++) t[j] = 2 * t[j]! - 1;
  } else bulk.fillNormal(t);
  let x = new Float32Array(x0.length);
  for (let i = 0; i < count; i++) {
    let scale = 0;
    if (linf) for (let j = i * d; j < (i + 1) * d; j++) scale = Math.max(scale, Math.abs(t[j]!));
    else for (let j = i * d; j < (i + 1) * d; j++) scale += t[j]! * t[j]!;
    scale = linf ? scale : Math.sqrt(scale);
    const f = eps / (scale + 1e-12);
    for (let j = i * d; j < (i + 1) * d; j++) x[j] = clip01(x0[j]! + f * t[j]!);
  }
  const first = await lossAt(oracle, loss, x, labels, count, targets);
  let grad = first.dx;
  const fooled = argmaxCorrect(first.logits, labels, count).map((c) => 1 - c);
  const bestAdv = Float32Array.from(x);
  const best = Float32Array.from(x);
  const gradBest = Float32Array.from(grad);
  const lossBest = Float64Array.from(first.loss);
  const lossSteps: Float64Array[] = Array.from({ length: steps }, () => new Float64Array(count));
  const stepSize = new Float64Array(count).fill(2 * eps);
  let prev = Float32Array.from(x);
  // The L∞ ball around x₀ within [0, 1], per pixel.
  const bottom = linf ? Float64Array.from(x0, (v) => Math.max(v - eps, 0)) : new Float64Array(0);
  const top = linf ? Float64Array.from(x0, (v) => Math.min(v + eps, 1)) : new Float64Array(0);
  // Three buffers turn over: the previous iterate, the current one and the next.
  let spare: Float32Array<ArrayBuffer> | undefined;
  const sched = apgdSchedule(steps);
  let k = sched.first;
  let sinceCheck = 0;
  const lossBestLastCheck = Float64Array.from(lossBest);
  const reducedLastCheck = new Uint8Array(count).fill(1);
  const candidate = linf ? new Float64Array(0) : new Float64Array(x0.length);
  const z = linf ? new Float32Array(0) : new Float32Array(x0.length);
  for (let it = 0; it < steps; it++) {
    const a = it > 0 ? 0.75 : 1;
    const next = spare ?? new Float32Array(x0.length);
    if (linf) {
      // The step, its projection (rounded to float32, as stored), the momentum and the second
      // projection in one pass: the same arithmetic as the L2 path's separate passes.
      // min(hi, max(lo, v)) clipped to [0, 1] is min(top, max(bottom, v)): the ball's box within [0, 1].
      const b = 1 - a;
      for (let i = 0; i < count; i++) {
        const s = stepSize[i]!;
        for (let j = i * d; j < (i + 1) * d; j++) {
          const lo = bottom[j]!;
          const hi = top[j]!;
          const xj = x[j]!;
          // A NaN gradient gives a NaN pixel, as torch.sign and clamp pass it on.
          const stepped = xj + s * Math.sign(grad[j]!);
          const zj = Math.fround(stepped < lo ? lo : stepped > hi ? hi : stepped);
          const v = xj + (zj - xj) * a + (xj - prev[j]!) * b;
          next[j] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    } else {
      const gn = exampleNorms(grad, count);
      for (let i = 0; i < count; i++) {
        const s = stepSize[i]! / (gn[i]! + 1e-12);
        for (let j = i * d; j < (i + 1) * d; j++) candidate[j] = x[j]! + s * grad[j]!;
      }
      project(candidate, z);
      for (let j = 0; j < x.length; j++) candidate[j] = x[j]! + (z[j]! - x[j]!) * a + (x[j]! - prev[j]!) * (1 - a);
      project(candidate, next);
    }
    spare = prev;
    prev = x;
    x = next;
    const r = await lossAt(oracle, loss, x, labels, count, targets);
    grad = r.dx;
    const y1 = r.loss;
    const ok = argmaxCorrect(r.logits, labels, count);
    lossSteps[it] = y1;
    for (let i = 0; i < count; i++) {
      if (!ok[i]) {
        bestAdv.set(x.subarray(i * d, (i + 1) * d), i * d);
        fooled[i] = 1;
      }
      if (y1[i]! > lossBest[i]!) {
        lossBest[i] = y1[i]!;
        best.set(x.subarray(i * d, (i + 1) * d), i * d);
        gradBest.set(grad.subarray(i * d, (i + 1) * d), i * d);
      }
    }
    if (++sinceCheck === k) {
      for (let i = 0; i < count; i++) {
        // Steps since the last checkpoint at which the loss rose (AutoAttack's check_oscillation;
        // before the first step its loss history reads 0, as the reference's zero-filled buffer).
        let rises = 0;
        for (let c = 0; c < k; c++) {
          const before = it - c - 1 >= 0 ? lossSteps[it - c - 1]![i]! : lossSteps[steps - 1]![i]!;
          if (lossSteps[it - c]![i]! > before) rises++;
        }
        const oscillating = rises <= k * 0.75;
        const stalled = !reducedLastCheck[i] && lossBestLastCheck[i]! >= lossBest[i]!;
        const reduce = oscillating || stalled;
        reducedLastCheck[i] = reduce ? 1 : 0;
        lossBestLastCheck[i] = lossBest[i]!;
        if (reduce) {
          stepSize[i] = stepSize[i]! / 2;
          x.set(best.subarray(i * d, (i + 1) * d), i * d);
          grad.set(gradBest.subarray(i * d, (i + 1) * d), i * d);
        }
      }
      k = Math.max(k - sched.decrement, sched.minimum);
      sinceCheck = 0;
    }
  }
  return { adv: bestAdv, fooled };
}

/** The oracle, when it has what the loss needs (and the clean logits, for AutoAttack's runs). */
function oracleFor(name: string, oracle: GradientOracle | undefined, loss: ApgdLoss, clean: boolean): GradientOracle {
  const grad = loss === 'ce' ? oracle?.withLogits : oracle?.lossGrad;
  if (!oracle || !grad || (clean && !oracle.logits))
    throw new Error(`${name}: needs a gradient oracle with logits${loss === 'ce' ? '' : ` and the ${loss} loss`}`);
  return oracle;
}

export function makeApgd(norm: ApgdNorm, steps = APGD_STEPS): Perturbation {
  const linf = norm === 'linf';
  const name = linf ? 'apgd' : 'apgd_l2';
  return {
    name,
    description: `APGD-CE (Croce & Hein 2020), ${steps} ${linf ? 'L-inf' : 'L2'} iterations with step-size halving at checkpoints and momentum 0.75`,
    severity: { unit: linf ? 'eps (L-inf)' : 'eps (L2)', min: 0, max: linf ? 1 : 100 },
    needsGradient: true,
    threat: { norm, access: 'white', passes: steps },
    async apply({ images, labels, count, rng, gradient }: PerturbInput, eps: number) {
      if (eps === 0) return Float32Array.from(images);
      return (await apgdRun(norm, 'ce', steps, eps, images, labels, count, undefined, rng, oracleFor(name, gradient, 'ce', false))).adv;
    },
  };
}

export const apgd = makeApgd('linf');
export const apgdL2 = makeApgd('l2');

/** AutoAttack's standard settings (autoattack.py, set_version('standard')). */
export const AUTOATTACK_APGD = { steps: 100, restarts: 1, targets: 9 } as const;

export interface AutoApgdOptions {
  readonly norm: ApgdNorm;
  readonly loss: ApgdLoss;
  readonly steps?: number;
  /** Restarts (per target class for the targeted loss). */
  readonly restarts?: number;
  /** Target classes, the runner-up first (targeted loss only; at most classes - 1 are used). */
  readonly targets?: number;
  readonly name?: string;
}

/**
 * APGD as AutoAttack's perturb() runs it (APGDAttack and APGDAttack_targeted): only the examples
 * the model classifies correctly are attacked; each restart (for the targeted loss: each target
 * class, the k-th most likely class of the clean image for k = 2, 3, ...; AutoAttack's
 * y_target = sort(logits)[:, -k]) attacks those not yet fooled; a fooled example keeps the
 * misclassified iterate, the others stay clean.
 */
export async function autoApgd(
  o: AutoApgdOptions,
  { images, labels, count, rng, gradient }: PerturbInput,
  eps: number,
  robust?: Uint8Array,
): Promise<Float32Array> {
  const name = o.name ?? `apgd-${o.loss}`;
  const oracle = oracleFor(name, gradient, o.loss, true);
  const adv = Float32Array.from(images);
  if (eps === 0 || count === 0) return adv;
  const clean = await oracle.logits!(images, count);
  const classes = clean.length / count;
  const targeted = o.loss === 'dlr_targeted';
  const minClasses = o.loss === 'ce' ? 2 : LOGIT_LOSSES[o.loss].minClasses;
  if (classes < minClasses) throw new Error(`${name}: the ${o.loss} loss needs at least ${minClasses} classes; the model has ${classes}`);
  const acc = robust ?? argmaxCorrect(clean, labels, count);
  const restarts = o.restarts ?? AUTOATTACK_APGD.restarts;
  const rounds = targeted ? Math.min(o.targets ?? AUTOATTACK_APGD.targets, classes - 1) : 1;
  for (let round = 0; round < rounds; round++) {
    for (let r = 0; r < restarts; r++) {
      const idx = indicesOf(acc);
      if (!idx.length) return adv;
      const y = gather(labels, count, idx);
      const targets = targeted ? Uint8Array.from(idx, (i) => sortedClasses(clean, count, i)[round + 1]!) : undefined;
      const run = await apgdRun(o.norm, o.loss, o.steps ?? AUTOATTACK_APGD.steps, eps, gather(images, count, idx), y, idx.length, targets, rng, oracle);
      scatter(adv, count, idx, run.adv, run.fooled);
      idx.forEach((i, j) => run.fooled[j] && (acc[i] = 0));
    }
  }
  return adv;
}

function makeAutoApgd(norm: ApgdNorm, loss: 'dlr' | 'dlr_targeted'): Perturbation {
  const linf = norm === 'linf';
  const name = `${loss === 'dlr' ? 'apgd_dlr' : 'apgd_t'}${linf ? '' : '_l2'}`;
  const { steps, targets } = AUTOATTACK_APGD;
  return {
    name,
    description:
      loss === 'dlr'
        ? `APGD-DLR (Croce & Hein 2020) as AutoAttack runs it: ${steps} ${linf ? 'L-inf' : 'L2'} iterations on the difference-of-logits-ratio loss, 1 restart`
        : `APGD-T (Croce & Hein 2020), AutoAttack's standard version: targeted DLR loss towards each of the ${targets} most likely ` +
          `wrong classes in turn, ${steps} ${linf ? 'L-inf' : 'L2'} iterations each`,
    severity: { unit: linf ? 'eps (L-inf)' : 'eps (L2)', min: 0, max: linf ? 1 : 100 },
    needsGradient: true,
    threat: { norm, access: 'white', passes: steps * (loss === 'dlr' ? 1 : targets) },
    minClasses: LOGIT_LOSSES[loss].minClasses,
    apply: (input, eps) => autoApgd({ norm, loss, name }, input, eps),
  };
}

export const apgdDlr = makeAutoApgd('linf', 'dlr');
export const apgdDlrL2 = makeAutoApgd('l2', 'dlr');
export const apgdT = makeAutoApgd('linf', 'dlr_targeted');
export const apgdTL2 = makeAutoApgd('l2', 'dlr_targeted');
