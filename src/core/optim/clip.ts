// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (PyTorch 1.13 and 2.x)
// computes it in float32: each tensor's L2 norm (accumulated in double, as ATen's CPU
// reduction does, then rounded), the L2 norm of those norms, a coefficient
// max / (total + 1e-6) clamped to 1, and every gradient multiplied by it, even when it is 1.
// Sophia-G's authors clip the step gradient and the curvature gradient this way (max 1.0).

const f = Math.fround;

function norm(values: ArrayLike<number>): number {
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += values[i]! * values[i]!;
  return f(Math.sqrt(sq));
}

/** Scales `grads` in place so their global L2 norm is at most `max`; returns the norm before. */
export function clipGradNorm(grads: readonly Float32Array[], max: number): number {
  const total = norm(grads.map(norm));
  const coefficient = Math.min(f(f(max) / f(total + f(1e-6))), 1);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = f(g[i]! * coefficient);
  return total;
}
