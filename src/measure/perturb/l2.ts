// Shared by the L2 attacks: per-example norms and the projection onto the L2 ball.

/** ‖v[from .. from + len)‖₂, in float64. */
export function runNorm(v: ArrayLike<number>, from: number, len: number): number {
  let s = 0;
  for (let j = from; j < from + len; j++) s += v[j]! * v[j]!;
  return Math.sqrt(s);
}

/** ‖v_i‖₂ of each of `count` examples of `d` values, in float64. */
export function exampleNorms(v: ArrayLike<number>, count: number): Float64Array {
  const d = v.length / count;
  return Float64Array.from({ length: count }, (_, i) => runNorm(v, i * d, d));
}
