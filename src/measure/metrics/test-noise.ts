// Two sources of uncertainty in a difference of accuracies. The seeds' paired t-test treats the
// test set as fixed: it says how much the difference would move with other seeds on these test
// images. The test images are themselves a sample: with every example's outcome recorded per
// seed, the difference is a mean over examples too, and its test-set standard error is
//   SE_test = sd_i(e_i) / sqrt(N),  e_i = mean over seeds of (arm correct on i - reference correct on i),
// the paired (McNemar-style) error of a mean over N examples. Reported beside the seeds' SE,
// never instead of it: an interval over both, sqrt(SE_seeds^2 + SE_test^2), is never narrower
// than the seeds' own.

/** Per-example 0/1 outcomes as a bit string (8 examples a byte, the first in the lowest bit), base64. */
export function packBits(bits: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 1 << (i & 7);
  });
  return Buffer.from(out).toString('base64');
}

/** The inverse of packBits for n examples. */
export function unpackBits(packed: string, n: number): Uint8Array {
  const bytes = Buffer.from(packed, 'base64');
  return Uint8Array.from({ length: n }, (_, i) => (bytes[i >> 3]! >> (i & 7)) & 1);
}

/**
 * The test-set standard error of mean(arm) - mean(reference), from per-seed per-example outcomes
 * of equal length (paired by seed): 0/1, or any per-example score (an example's area under its
 * accuracy-severity curve).
 */
export function testSetError(arm: readonly ArrayLike<number>[], reference: readonly ArrayLike<number>[]): number {
  const seeds = Math.min(arm.length, reference.length);
  const n = arm[0]?.length ?? 0;
  if (seeds === 0 || n < 2 || [...arm, ...reference].some((a) => a.length !== n)) return Number.NaN;
  let sum = 0;
  let square = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let s = 0; s < seeds; s++) e += arm[s]![i]! - reference[s]![i]!;
    e /= seeds;
    sum += e;
    square += e * e;
  }
  const variance = (square - (sum * sum) / n) / (n - 1);
  return Math.sqrt(Math.max(0, variance) / n);
}
