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
import { DECOUPLED_DECAY } from './space.ts';
import { nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { lerp32 } from './lerp.ts';
import { simdState, type Region, type SimdState } from './simd/arena.ts';
import { add, mul, v, set, old, g, type Kernel, type RawKernel, SUMSQ } from './simd/wat.ts';

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

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const scaleAddKernel: Kernel = {
  name: 'scale_add',
  doc: "p = p·shrink + step·u, with u passed as g (Adafactor's last pass: decoupled decay, then the clipped step).",
  streams: [],
  scalars: [
    ['shrink', 'f32'],
    ['step', 'f32'],
  ],
  temps: [],
  body: [set('next', add(mul(old, v('shrink')), mul(v('step'), g)))],
};

/**
 * Adafactor's factored passes (src/core/optim/adafactor.ts), written out by hand in WAT: they walk a
 * rows x cols matrix row by row (SIMD over each row's whole vectors, a scalar tail when
 * cols is not a multiple of 4), which the one-stream template cannot express.
 */
export const factorStatsKernel: RawKernel = {
  name: 'factor_stats',
  signature: '(g: number, rowsq: number, colsq: number, rows: number, cols: number): void',
  wat: `  ;; Adafactor, first pass: rowsq[i] = Σ_j g[i,j]², colsq[j] = Σ_i g[i,j]² (float32 sums, four lanes then the tail).
  (func (export "factor_stats") (param $g i32) (param $rowsq i32) (param $colsq i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $vec i32) (local $c i32) (local $acc v128) (local $sq v128) (local $s f32) (local $x f32)
    (local.set $j (i32.const 0))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $j) (local.get $cols)))
      (f32.store (i32.add (local.get $colsq) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zero)))
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $rowsdone (loop $row
      (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $vdone (loop $v
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $sq (v128.load (local.get $g)))
        (local.set $sq (f32x4.mul (local.get $sq) (local.get $sq)))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $sq)))
        (local.set $c (i32.add (local.get $colsq) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $sq)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $v)))
      (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $tdone (loop $t
        (br_if $tdone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $x (f32.load (local.get $g)))
        (local.set $x (f32.mul (local.get $x) (local.get $x)))
        (local.set $s (f32.add (local.get $s) (local.get $x)))
        (local.set $c (i32.add (local.get $colsq) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $c) (f32.add (f32.load (local.get $c)) (local.get $x)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $t)))
      (f32.store (i32.add (local.get $rowsq) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $row))))`,
};

export const factorUpdateKernel: RawKernel = {
  name: 'factor_update',
  signature: '(g: number, u: number, rs: number, rr: number, c: number, cr: number, rows: number, cols: number, floor: number, invfloor: number): number',
  wat:
    `  ;; Adafactor, second pass: u[i,j] = g[i,j]·(rs[i]·c[j] > floor ? rr[i]·cr[j] : invfloor), with rs = ` +
    `r/mean(r),
  ;; rr = 1/sqrt(rs), cr = 1/sqrt(c) (1/sqrt(V) for V = r_i·c_j/mean(r) clamped at floor = eps1²); ` +
    `returns Σu².
  (func (export "factor_update") (param $g i32) (param $u i32) (param $rs i32) (param $rr i32) ` +
    `(param $c i32) (param $cr i32) (param $rows i32) (param $cols i32) (param $floor f32) (param $invfloor f32) ` +
    `(result f64)
    (local $i i32) (local $j i32) (local $vec i32) (local $off i32) (local $acc v128) (local $x ` +
    `v128) (local $vri v128) (local $vrr v128)
    (local $vfloor v128) (local $vinv v128) (local $ri f32) (local ` +
    `$rroot f32) (local $s f32) (local $y f32) (local $total f64)
    (local.set $vfloor (f32x4.splat (local.get ` +
    `$floor)))
    (local.set $vinv (f32x4.splat (local.get $invfloor)))
    (local.set $vec (i32.and (local.get ` +
    `$cols) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $rowsdone (loop $row
      (br_if ` +
    `$rowsdone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $ri (f32.load (i32.add (local.get ` +
    `$rs) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $rroot (f32.load (i32.add (local.get $rr) ` +
    `(i32.shl (local.get $i) (i32.const 2)))))
      (local.set $vri (f32x4.splat (local.get $ri)))
      ` +
    `(local.set $vrr (f32x4.splat (local.get $rroot)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      ` +
    `(local.set $j (i32.const 0))
      (block $vdone (loop $v
        (br_if $vdone (i32.ge_u (local.get $j) ` +
    `(local.get $vec)))
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (local.set $x ` +
    `(f32x4.mul (v128.load (local.get $g))
          (v128.bitselect (f32x4.mul (local.get $vrr) (v128.load ` +
    `(i32.add (local.get $cr) (local.get $off)))) (local.get $vinv)
            (f32x4.gt (f32x4.mul (local.get ` +
    `$vri) (v128.load (i32.add (local.get $c) (local.get $off)))) (local.get $vfloor)))))
        (v128.store ` +
    `(local.get $u) (local.get $x))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) ` +
    `(local.get $x))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $u ` +
    `(i32.add (local.get $u) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
       ` +
    ` (br $v)))
      (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane ` +
    `1 (local.get $acc)))
                             (f32.add (f32x4.extract_lane 2 (local.get $acc)) ` +
    `(f32x4.extract_lane 3 (local.get $acc)))))
      (block $tdone (loop $t
        (br_if $tdone (i32.ge_u ` +
    `(local.get $j) (local.get $cols)))
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        ` +
    `(local.set $y (f32.mul (f32.load (local.get $g))
          (select (f32.mul (local.get $rroot) (f32.load ` +
    `(i32.add (local.get $cr) (local.get $off)))) (local.get $invfloor)
            (f32.gt (f32.mul (local.get ` +
    `$ri) (f32.load (i32.add (local.get $c) (local.get $off)))) (local.get $floor)))))
        (f32.store ` +
    `(local.get $u) (local.get $y))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $y) ` +
    `(local.get $y))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $u ` +
    `(i32.add (local.get $u) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        ` +
    `(br $t)))
      (local.set $total (f64.add (local.get $total) (f64.promote_f32 (local.get $s))))
      ` +
    `(local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $row)))
    (local.get $total))`,
};

export const adafactor: OptimizerDefinition<AdafactorOptions, State> = {
  name: 'adafactor',
  kernels: [SUMSQ, scaleAddKernel, factorStatsKernel, factorUpdateKernel],
  description: 'Adafactor (Shazeer & Stern 2018): second moments factored into row and column statistics, relative step sizes',
  lrRange: [1e-4, 1],
  space: { weightDecay: DECOUPLED_DECAY },
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
