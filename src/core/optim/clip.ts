// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (PyTorch 1.13 and 2.x)
// computes it in float32: each tensor's L2 norm (accumulated in double, as ATen's CPU
// reduction does, then rounded), the L2 norm of those norms, a coefficient
// max / (total + 1e-6) clamped to 1, and every gradient multiplied by it, even when it is 1.
// Sophia-G's authors clip the step gradient and the curvature gradient this way (max 1.0);
// SAM's ascent step is scaled by the same global norm.

const f = Math.fround;

/**
 * torch.norm(torch.stack([torch.norm(t) for t in tensors])) in float32: each tensor's L2 norm
 * (summed in double, rounded), then the norm of those. `value` reads a tensor's entry (SAM's
 * adaptive form weighs it); default the entry itself.
 */
export function globalNorm(tensors: readonly Float32Array[], value: (k: number, i: number) => number = (k, i) => tensors[k]![i]!): number {
  const norm = (values: ArrayLike<number>, at: (i: number) => number) => {
    let sq = 0;
    for (let i = 0; i < values.length; i++) {
      const v = at(i);
      sq += v * v;
    }
    return f(Math.sqrt(sq));
  };
  const norms = tensors.map((t, k) => norm(t, (i) => value(k, i)));
  return norm(norms, (i) => norms[i]!);
}

/** Scales `grads` in place so their global L2 norm is at most `max`; returns the norm before. */
export function clipGradNorm(grads: readonly Float32Array[], max: number): number {
  const total = globalNorm(grads);
  const coefficient = Math.min(f(f(max) / f(total + f(1e-6))), 1);
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = f(g[i]! * coefficient);
  return total;
}
