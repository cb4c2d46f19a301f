// Shared by the L2 attacks: per-example norms and the projection onto the L2 ball.

/** ‖v_i‖₂ of each of `count` examples of `d` values, in float64. */
export function exampleNorms(v: ArrayLike<number>, count: number): Float64Array {
  const d = v.length / count;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += v[j]! * v[j]!;
    out[i] = Math.sqrt(s);
  }
  return out;
}
