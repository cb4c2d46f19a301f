// Per-example readings of a model's logits ([n, k], row-major) that the attacks share, and
// gathering / scattering the examples an attack is still working on.
import { sortedRow } from '../../core/model/logit-loss.ts';

/** Each example's cross-entropy from logits [n, k] (float64 log-sum-exp). */
export function crossEntropy(logits: Float32Array, labels: Uint8Array, n: number): Float64Array {
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

/** 1 where the largest logit (the first, on ties, as torch's max) is the label. */
export function argmaxCorrect(logits: Float32Array, labels: Uint8Array, n: number): Uint8Array {
  const k = logits.length / n;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logits[i * k + c]! > logits[i * k + best]!) best = c;
    out[i] = best === labels[i] ? 1 : 0;
  }
  return out;
}

/** z_y - max_{c≠y} z_c for each example (Square's margin; ≤ 0 means misclassified), in float64. */
export function margins(logits: Float32Array, labels: Uint8Array, n: number): Float64Array {
  const k = logits.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let other = -Infinity;
    for (let c = 0; c < k; c++) if (c !== labels[i]) other = Math.max(other, logits[i * k + c]!);
    out[i] = logits[i * k + labels[i]!]! - other;
  }
  return out;
}

/** Row i's classes from the largest logit down (ties: lower index first), of logits [n, k]. */
export const sortedClasses = (logits: Float32Array, n: number, i: number): number[] => sortedRow(logits, logits.length / n, i);

/** The rows `idx` of `v` (n rows of equal length). */
export function gather<T extends Float32Array | Uint8Array>(v: T, n: number, idx: readonly number[]): T {
  const d = v.length / n;
  const out = new (v.constructor as new (len: number) => T)(idx.length * d);
  idx.forEach((r, j) => out.set(v.subarray(r * d, (r + 1) * d), j * d));
  return out;
}

/** Writes row j of `rows` to row idx[j] of `into` where `when[j]` is set. */
export function scatter(into: Float32Array, n: number, idx: readonly number[], rows: Float32Array, when: Uint8Array): void {
  const d = into.length / n;
  idx.forEach((r, j) => {
    if (when[j]) into.set(rows.subarray(j * d, (j + 1) * d), r * d);
  });
}

/** The indices where `flags` is set. */
export function indicesOf(flags: Uint8Array): number[] {
  const out: number[] = [];
  flags.forEach((f, i) => f && out.push(i));
  return out;
}
