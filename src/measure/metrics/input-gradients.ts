// Input-gradient norms on clean data: per example, ‖∂ℓᵢ/∂xᵢ‖₂ and ‖∂ℓᵢ/∂xᵢ‖₁ (the dual
// norm of L∞, i.e. the first-order loss increase per unit of L∞ budget, which is what
// FGSM exploits), summarised over the test set.
import type { GradientOracle } from '../perturb/perturbation.ts';
import { summarize, type Summary } from './summary.ts';

export interface InputGradientNorms {
  readonly l2: Summary;
  readonly l1: Summary;
}

export async function inputGradientNorms(oracle: GradientOracle, images: Float32Array, labels: Uint8Array, count: number): Promise<InputGradientNorms> {
  const g = await oracle(images, labels, count);
  const d = g.length / count;
  const l2 = new Float64Array(count);
  const l1 = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s2 = 0;
    let s1 = 0;
    for (let j = i * d; j < (i + 1) * d; j++) {
      s2 += g[j]! * g[j]!;
      s1 += Math.abs(g[j]!);
    }
    l2[i] = Math.sqrt(s2);
    l1[i] = s1;
  }
  return { l2: summarize(l2), l1: summarize(l1) };
}
