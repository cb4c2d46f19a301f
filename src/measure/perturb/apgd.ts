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
// N = 10 iterations by default (PGD's default here, for comparisons at equal cost; AutoAttack
// uses 100). Needs the oracle's logits (per-example cross-entropy).
import { clip01, type Perturbation, type PerturbInput } from './perturbation.ts';
import { exampleNorms } from './l2.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';

export type ApgdNorm = 'linf' | 'l2';

export const APGD_STEPS = 10;

/** AutoAttack's checkpoint rule: the first spacing, its decrement and its minimum, for N iterations. */
export function apgdSchedule(n: number): { readonly first: number; readonly decrement: number; readonly minimum: number } {
  return { first: Math.max(Math.trunc(0.22 * n), 1), decrement: Math.max(Math.trunc(0.03 * n), 1), minimum: Math.max(Math.trunc(0.06 * n), 1) };
}

/** Each example's cross-entropy from logits [n, k] (float64 log-sum-exp). */
function crossEntropy(logits: Float32Array, labels: Uint8Array, n: number): Float64Array {
  const k = logits.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[i * k + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(logits[i * k + c]! - max);
    out[i] = max + Math.log(sum) - logits[i * k + labels[i]!]!;
  }
  return out;
}

function correct(logits: Float32Array, labels: Uint8Array, n: number): Uint8Array {
  const k = logits.length / n;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logits[i * k + c]! > logits[i * k + best]!) best = c;
    out[i] = best === labels[i] ? 1 : 0;
  }
  return out;
}

export function makeApgd(norm: ApgdNorm, steps = APGD_STEPS): Perturbation {
  const linf = norm === 'linf';
  return {
    name: linf ? 'apgd' : 'apgd_l2',
    description: `APGD-CE (Croce & Hein 2020), ${steps} ${linf ? 'L-inf' : 'L2'} iterations with step-size halving at checkpoints and momentum 0.75`,
    severity: { unit: linf ? 'eps (L-inf)' : 'eps (L2)', min: 0, max: linf ? 1 : 100 },
    needsGradient: true,
    async apply({ images, labels, count, rng, gradient }: PerturbInput, eps: number) {
      if (eps === 0) return Float32Array.from(images);
      if (!gradient?.withLogits) throw new Error(`${linf ? 'apgd' : 'apgd_l2'}: needs a gradient oracle with logits`);
      const oracle = gradient.withLogits;
      const d = images.length / count;
      const x0 = images;
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
      const t = new Float64Array(images.length);
      if (linf) {
        bulk.fillUniform(t);
        for (let j = 0; j < t.length; j++) t[j] = 2 * t[j]! - 1;
      } else bulk.fillNormal(t);
      let x = new Float32Array(images.length);
      for (let i = 0; i < count; i++) {
        let scale = 0;
        if (linf) for (let j = i * d; j < (i + 1) * d; j++) scale = Math.max(scale, Math.abs(t[j]!));
        else for (let j = i * d; j < (i + 1) * d; j++) scale += t[j]! * t[j]!;
        scale = linf ? scale : Math.sqrt(scale);
        const f = eps / (scale + 1e-12);
        for (let j = i * d; j < (i + 1) * d; j++) x[j] = clip01(x0[j]! + f * t[j]!);
      }
      const first = await oracle(x, labels, count);
      let grad = first.dx;
      const loss = crossEntropy(first.logits, labels, count);
      const bestAdv = Float32Array.from(x);
      const best = Float32Array.from(x);
      const gradBest = Float32Array.from(grad);
      const lossBest = Float64Array.from(loss);
      const lossSteps: Float64Array[] = Array.from({ length: steps }, () => new Float64Array(count));
      const stepSize = new Float64Array(count).fill(2 * eps);
      let prev = Float32Array.from(x);
      const sched = apgdSchedule(steps);
      let k = sched.first;
      let sinceCheck = 0;
      const lossBestLastCheck = Float64Array.from(lossBest);
      const reducedLastCheck = new Uint8Array(count).fill(1);
      const candidate = new Float64Array(images.length);
      const z = new Float32Array(images.length);
      for (let it = 0; it < steps; it++) {
        const a = it > 0 ? 0.75 : 1;
        const gn = linf ? null : exampleNorms(grad, count);
        for (let i = 0; i < count; i++) {
          const s = linf ? stepSize[i]! : stepSize[i]! / (gn![i]! + 1e-12);
          for (let j = i * d; j < (i + 1) * d; j++) candidate[j] = x[j]! + s * (linf ? Math.sign(grad[j]!) : grad[j]!);
        }
        project(candidate, z);
        for (let j = 0; j < x.length; j++) candidate[j] = x[j]! + (z[j]! - x[j]!) * a + (x[j]! - prev[j]!) * (1 - a);
        prev = x;
        x = new Float32Array(images.length);
        project(candidate, x);
        const r = await oracle(x, labels, count);
        grad = r.dx;
        const y1 = crossEntropy(r.logits, labels, count);
        const ok = correct(r.logits, labels, count);
        lossSteps[it] = y1;
        for (let i = 0; i < count; i++) {
          if (!ok[i]) bestAdv.set(x.subarray(i * d, (i + 1) * d), i * d);
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
      return bestAdv;
    },
  };
}

export const apgd = makeApgd('linf');
export const apgdL2 = makeApgd('l2');
