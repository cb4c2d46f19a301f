// Benjamini-Hochberg adjusted p-values (q-values): controls the false-discovery rate
// across the hundreds of rows a comparison tests at once. NaN p-values (untestable rows)
// are left out of the family and stay NaN.

export function benjaminiHochberg(p: readonly number[]): number[] {
  const idx = p
    .map((v, i) => [v, i] as const)
    .filter(([v]) => !Number.isNaN(v))
    .sort((a, b) => a[0] - b[0]);
  const m = idx.length;
  const q = p.map(() => Number.NaN);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const [v, i] = idx[k]!;
    running = Math.min(running, (v * m) / (k + 1));
    q[i] = running;
  }
  return q;
}
