// Adafactor (Shazeer & Stern, ICML 2018) as torch 2.5's torch.optim.Adafactor defines it
// (torch/optim/_adafactor.py, _single_tensor_adafactor; its defaults):
//   β̂2 = 1 - t^beta2Decay;  ρ = min(lr, 1/sqrt(t));  α = max(eps2, RMS(p))·ρ
//   p *= 1 - lr·wd
//   a tensor of 2+ dimensions is factored over its last two (R rows, C columns; leading
//   dimensions batch it; a convolution kernel [co, ci, kh, kw] is factored per kh x kw slice):
//     r = lerp(r, mean_j g², 1-β̂2);  c = lerp(c, mean_i g², 1-β̂2);  V = r cᵀ / max(mean(r), eps1)
//   a vector: V = lerp(V, g², 1-β̂2)
//   U = g / sqrt(max(V, eps1²));  p -= α / max(1, RMS(U)/d) · U
// eps1 defaults to float32's machine epsilon (torch's eps=(None, 1e-3)). Needs the tensors'
// shapes (Optimizer.adopt); without them every tensor is a vector. The passes over the
// tensor run in WebAssembly SIMD (simd/kernels.wat: the factored row/column passes are
// hand-written there); the per-row and per-column statistics in JavaScript, float32.
import { nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { lerp32 } from './lerp.ts';
import { simdState, type Region, type SimdState } from './simd/arena.ts';

export interface AdafactorOptions {
  readonly [k: string]: number;
  readonly lr: number;
  readonly beta2Decay: number;
  readonly eps1: number;
  readonly eps2: number;
  readonly d: number;
  readonly weightDecay: number;
}

interface State extends SimdState {
  readonly rows: number;
  readonly cols: number;
  /** U, then (factored) per-row and per-column scratch for the SIMD passes. */
  readonly u: Region;
  /** Factored: row statistics (JavaScript) and column statistics (read by factor_update), per leading index. */
  readonly rowVar: Float32Array | null;
  readonly colVar: Region | null;
  readonly rowSq: Region | null;
  readonly colSq: Region | null;
  readonly rowScaled: Region | null;
  readonly rowRoot: Region | null;
  readonly colRoot: Region | null;
  /** A vector's full second moment. */
  readonly variance: Float32Array | null;
}

const f = Math.fround;

export const adafactor: OptimizerDefinition<AdafactorOptions, State> = {
  name: 'adafactor',
  description: 'Adafactor (Shazeer & Stern 2018): second moments factored into row and column statistics, relative step sizes',
  lrRange: [1e-4, 1],
  defaults: { lr: 1e-2, beta2Decay: -0.8, eps1: 1.1920928955078125e-7, eps2: 1e-3, d: 1, weightDecay: 0 },
  schema: {
    lr: nonNegative,
    beta2Decay: { type: 'number', max: 0 },
    eps1: nonNegative,
    eps2: nonNegative,
    d: { type: 'number', min: 1 },
    weightDecay: nonNegative,
  },
  init(n, _o, arena, shape) {
    const factored = shape.length > 1;
    const R = factored ? shape[shape.length - 2]! : 0;
    const C = factored ? shape[shape.length - 1]! : 0;
    const batch = factored ? n / (R * C) : 0;
    const st = simdState(arena(), n, { u: n, colVar: batch * C, rowSq: R, colSq: C, rowScaled: R, rowRoot: R, colRoot: C });
    return { ...st, u: st.u!, rows: R, cols: C, rowVar: factored ? new Float32Array(batch * R) : null, variance: factored ? null : new Float32Array(n) };
  },
  update(p, g, s, o, lr, t) {
    const n = p.length;
    const w = f(t ** o.beta2Decay);
    const rho = Math.min(lr, 1 / Math.sqrt(t));
    const shrink = o.weightDecay !== 0 ? f(1 - lr * o.weightDecay) : 1;
    const inPlace = s.p.holds(p);
    if (!inPlace) s.p.array.set(p);
    s.g.array.set(g);
    const k = s.arena.kernels;
    const pSq = k.sumsq(s.p.offset, s.g.offset, n);
    const floor = f(o.eps1 * o.eps1);
    const invFloor = f(1 / f(Math.sqrt(floor)));
    let uSq = 0;
    if (s.rowVar) {
      const { rows: R, cols: C } = s;
      const eps1 = f(o.eps1);
      const [rowSq, colSq, rowScaled, rowRoot, colRoot] = [s.rowSq!.array, s.colSq!.array, s.rowScaled!.array, s.rowRoot!.array, s.colRoot!.array];
      const colVar = s.colVar!;
      for (let b = 0; b * R * C < n; b++) {
        const at = 4 * b * R * C;
        k.factor_stats(s.g.offset + at, s.rowSq!.offset, s.colSq!.offset, R, C);
        // torch: vector_norm(g, dim).square_().div_(size): the mean of squares through the norm.
        const r = s.rowVar.subarray(b * R, (b + 1) * R);
        const c = colVar.array.subarray(b * C, (b + 1) * C);
        let rSum = 0;
        for (let i = 0; i < R; i++) {
          const norm = f(Math.sqrt(rowSq[i]!));
          r[i] = lerp32(r[i]!, f(f(norm * norm) / C), w);
          rSum += r[i]!;
        }
        for (let j = 0; j < C; j++) {
          const norm = f(Math.sqrt(colSq[j]!));
          c[j] = lerp32(c[j]!, f(f(norm * norm) / R), w);
          colRoot[j] = 1 / Math.sqrt(c[j]!);
        }
        const rMean = Math.max(f(rSum / R), eps1);
        for (let i = 0; i < R; i++) {
          rowScaled[i] = r[i]! / rMean;
          rowRoot[i] = 1 / Math.sqrt(rowScaled[i]!);
        }
        // V = (r_i/mean(r))·c_j clamped at eps1², and 1/sqrt(V) as a row's reciprocal root
        // times a column's (the same value to a few float32 ulps as torch's rsqrt of V).
        uSq += k.factor_update(
          s.g.offset + at,
          s.u.offset + at,
          s.rowScaled!.offset,
          s.rowRoot!.offset,
          colVar.offset + 4 * b * C,
          s.colRoot!.offset,
          R,
          C,
          floor,
          invFloor,
        );
      }
    } else {
      const v = s.variance!;
      const u = s.u.array;
      for (let i = 0; i < n; i++) {
        const x = g[i]!;
        const vi = (v[i] = lerp32(v[i]!, f(x * x), w));
        u[i] = f(x * (vi > floor ? f(1 / f(Math.sqrt(vi))) : invFloor));
      }
      uSq = k.sumsq(s.u.offset, s.g.offset, n);
    }
    const alpha = Math.max(o.eps2, f(Math.sqrt(pSq)) / Math.sqrt(n)) * rho;
    const step = f(-alpha / Math.max(1, f(Math.sqrt(uSq)) / (Math.sqrt(n) * o.d)));
    const sq = k.scale_add(s.p.offset, s.u.offset, n, shrink, step);
    if (!inPlace) p.set(s.p.array);
    return sq;
  },
  home: (s) => s.p.array,
};
