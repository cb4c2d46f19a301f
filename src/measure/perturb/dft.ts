// A 2-D discrete Fourier transform of a real H x W plane, separable (rows, then columns),
// with precomputed twiddles: O(H·W·(H + W)), enough for the small images optrobust tests on.
// Frequencies are indexed 0..H-1 and 0..W-1; the signed frequency of index k is k, or k - N
// above N/2, and radius(u, v) = sqrt(fu² + fv²) in cycles per image.

export interface Plane {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

const twiddles = new Map<number, { cos: Float64Array; sin: Float64Array }>();
function table(n: number) {
  let t = twiddles.get(n);
  if (!t) {
    const cos = new Float64Array(n * n);
    const sin = new Float64Array(n * n);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * ((k * j) % n)) / n;
        cos[k * n + j] = Math.cos(a);
        sin[k * n + j] = Math.sin(a);
      }
    twiddles.set(n, (t = { cos, sin }));
  }
  return t;
}

/** 1-D DFT of `n` complex values at stride `stride` from `at`, in place; inverse without the 1/n. */
function dft1(re: Float64Array, im: Float64Array, at: number, stride: number, n: number, inverse: boolean, tmpRe: Float64Array, tmpIm: Float64Array): void {
  const { cos, sin } = table(n);
  const s = inverse ? -1 : 1;
  for (let k = 0; k < n; k++) {
    let r = 0;
    let i = 0;
    for (let j = 0; j < n; j++) {
      const c = cos[k * n + j]!;
      const sn = s * sin[k * n + j]!;
      const xr = re[at + j * stride]!;
      const xi = im[at + j * stride]!;
      r += xr * c - xi * sn;
      i += xr * sn + xi * c;
    }
    tmpRe[k] = r;
    tmpIm[k] = i;
  }
  for (let k = 0; k < n; k++) {
    re[at + k * stride] = tmpRe[k]!;
    im[at + k * stride] = tmpIm[k]!;
  }
}

export function dft2(p: Plane, h: number, w: number, inverse = false): void {
  const tr = new Float64Array(Math.max(h, w));
  const ti = new Float64Array(Math.max(h, w));
  for (let y = 0; y < h; y++) dft1(p.re, p.im, y * w, 1, w, inverse, tr, ti);
  for (let x = 0; x < w; x++) dft1(p.re, p.im, x, w, h, inverse, tr, ti);
  if (inverse) {
    const scale = 1 / (h * w);
    for (let i = 0; i < h * w; i++) {
      p.re[i]! *= scale;
      p.im[i]! *= scale;
    }
  }
}

/** The radius in cycles per image of frequency index (u, v) of an H x W plane. */
export function radius(u: number, v: number, h: number, w: number): number {
  const fu = u > h / 2 ? u - h : u;
  const fv = v > w / 2 ? v - w : v;
  return Math.sqrt(fu * fu + fv * fv);
}
