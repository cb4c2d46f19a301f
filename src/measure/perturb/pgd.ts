// PGD (Madry et al. 2018), L∞: a uniform random start in the ε-ball, then k steps
// x ← Π(x + α·sign(∇ₓ L)), where Π projects onto the ε-ball around the clean image
// and onto [0, 1]. Defaults k = 10, α = 2.5·ε/k; severity = ε.
import { clip01, type Perturbation, type PerturbInput } from './perturbation.ts';

export interface PgdOptions {
  readonly steps: number;
  /** Step size as a multiple of ε/steps. */
  readonly stepFactor: number;
}

export function makePgd({ steps, stepFactor }: PgdOptions): Perturbation {
  return {
    name: 'pgd',
    description: `projected gradient descent, ${steps} L-inf steps of ${stepFactor}·eps/${steps} from a random start`,
    severity: { unit: 'eps (L-inf)', min: 0, max: 1 },
    needsGradient: true,
    threat: { norm: 'linf', access: 'white', passes: steps },
    async apply({ images, labels, count, rng, gradient }: PerturbInput, eps: number) {
      if (eps === 0) return Float32Array.from(images);
      const alpha = (stepFactor * eps) / steps;
      const x = images.map((v) => clip01(v + eps * (2 * rng() - 1)));
      for (let k = 0; k < steps; k++) {
        const g = await gradient!(x, labels, count);
        for (let i = 0; i < x.length; i++) {
          const x0 = images[i]!;
          const stepped = x[i]! + alpha * Math.sign(g[i]!);
          x[i] = clip01(Math.min(x0 + eps, Math.max(x0 - eps, stepped)));
        }
      }
      return x;
    },
  };
}

export const pgd = makePgd({ steps: 10, stepFactor: 2.5 });
