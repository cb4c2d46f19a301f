// torch.lerp's float32 rule, for the optimizers whose reference is written with lerp_
// (Adafactor, Muon): the form depends on the weight so that weight 1 lands exactly on `end`.
const f = Math.fround;

/** torch.lerp(a, b, w) in float32: a + w·(b - a) for w < 0.5, else b - (b - a)·(1 - w). */
export function lerp32(a: number, b: number, w: number): number {
  return w < 0.5 ? f(a + f(f(w) * f(b - a))) : f(b - f(f(b - a) * f(1 - f(w))));
}
