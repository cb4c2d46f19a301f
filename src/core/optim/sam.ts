// Sharpness-aware minimisation around any optimizer (Foret et al. 2021), and its adaptive
// form ASAM (Kwon et al. 2021), as the reference implementation github.com/davda54/sam
// (the authors' recommended PyTorch port) computes a step:
//   n = ‖( |p| if adaptive else 1 ) ⊙ g‖ over all tensors (each tensor's norm, then their norm)
//   e = ( p² if adaptive else 1 ) ⊙ g · ρ / (n + 1e-12);   p += e
//   g' = ∇L(p)  (a second gradient, at the perturbed weights: the closure)
//   p -= e (restored exactly, from a copy);   base.step(p, g')
// The trainer supplies the closure (the same batch and dropout masks at the perturbed
// weights); the base optimizer's weight decay and schedule apply as usual.
import { globalNorm } from './clip.ts';
import type { Optimizer } from './optimizer.ts';

export interface SamOptions {
  /** Neighbourhood radius (davda54/sam's default 0.05; ASAM papers use larger, e.g. 0.5-2). */
  readonly rho: number;
  /** ASAM: scale the neighbourhood by |p| (Kwon et al. 2021). */
  readonly adaptive: boolean;
}

export const SAM_DEFAULTS: SamOptions = { rho: 0.05, adaptive: false };

/** What is wrong with a `sam` option object, as [field, value, expected]. */
export function samProblem(o: unknown): readonly [string, unknown, string] | undefined {
  if (typeof o !== 'object' || o === null) return ['', o, '{ rho?, adaptive? }'];
  const s = o as Record<string, unknown>;
  const unknown = Object.keys(s).find((k) => k !== 'rho' && k !== 'adaptive');
  if (unknown) return [unknown, s[unknown], 'no such option (sam has rho, adaptive)'];
  if (s.rho !== undefined && !(typeof s.rho === 'number' && s.rho > 0 && Number.isFinite(s.rho))) return ['rho', s.rho, 'a positive finite number'];
  if (s.adaptive !== undefined && typeof s.adaptive !== 'boolean') return ['adaptive', s.adaptive, 'true or false'];
  return undefined;
}

const f = Math.fround;

/**
 * One SAM step on `params` (updated in place, as `base.step` would): the ascent to the
 * perturbed weights, `gradientAt()` there, the exact return, and the base step with that
 * gradient. Returns the base step's update norm.
 */
export async function samStep(
  base: Optimizer,
  params: readonly Float32Array[],
  grads: readonly Float32Array[],
  gradientAt: () => Promise<readonly Float32Array[]>,
  o: SamOptions,
): Promise<number> {
  const total = globalNorm(grads, o.adaptive ? (k, i) => f(Math.abs(params[k]![i]!) * grads[k]![i]!) : undefined);
  const scale = f(o.rho / f(total + 1e-12));
  const saved = params.map((p) => Float32Array.from(p));
  params.forEach((p, k) => {
    const g = grads[k]!;
    for (let i = 0; i < p.length; i++) {
      const e = o.adaptive ? f(f(f(p[i]! * p[i]!) * g[i]!) * scale) : f(g[i]! * scale);
      p[i] = f(p[i]! + e);
    }
  });
  const sharp = await gradientAt();
  params.forEach((p, k) => p.set(saved[k]!));
  return base.stepAsync(params, sharp);
}
