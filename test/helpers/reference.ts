// Float64 reference implementations, written as plain loops straight from the
// definitions, against which the ONNX graphs and central finite differences are checked.
import type { Layer, Mode } from '../../src/core/model/layer.ts';
import { size } from '../../src/core/model/layer.ts';
import { MODEL_INPUT, type ModelGraph } from '../../src/core/model/model.ts';

export interface RefContext {
  readonly mode: Mode;
  /** The layer's buffers (running statistics); updated in place in training mode. */
  readonly buffers: readonly Float64Array[];
  /** The layer's noise inputs (dropout masks), [batch, ...shape] each. */
  readonly noise: readonly Float64Array[];
}

const EVAL: RefContext = { mode: 'eval', buffers: [], noise: [] };

/** erf to ~1e-15: its Taylor series for |x| < 3, the continued fraction of erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), by backward recurrence.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const ACT: Record<string, (v: number, slope: number) => number> = {
  relu: (v) => Math.max(0, v),
  tanh: (v) => Math.tanh(v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  leakyRelu: (v, s) => (v > 0 ? v : s * v),
};

export function refLayer(layer: Layer, xs: readonly Float64Array[], params: readonly Float64Array[], batch: number, ctx: RefContext = EVAL): Float64Array {
  const k = layer.kind;
  const x = xs[0]!;
  const inShape = layer.inShapes[0]!;
  const out = new Float64Array(batch * size(layer.outShape));
  switch (k.op) {
    case 'flatten':
    case 'reshape':
      out.set(x);
      return out;
    case 'activation':
      for (let i = 0; i < x.length; i++) out[i] = ACT[k.fn]!(x[i]!, k.slope ?? 0);
      return out;
    case 'dense': {
      const [w, b] = params as [Float64Array, Float64Array | undefined];
      const nin = size(inShape);
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < k.units; o++) {
          let s = b ? b[o]! : 0;
          for (let i = 0; i < nin; i++) s += x[n * nin + i]! * w[o * nin + i]!;
          out[n * k.units + o] = s;
        }
      return out;
    }
    case 'conv2d': {
      const [w, b] = params as [Float64Array, Float64Array | undefined];
      const {
        ci,
        co,
        h,
        w: wd,
        ho,
        wo,
        kernel: [kh, kw],
        stride: [sh, sw],
        pads: [pt, pl],
        dilation: [dh, dw],
      } = k.geometry;
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < co; o++)
          for (let oh = 0; oh < ho; oh++)
            for (let ow = 0; ow < wo; ow++) {
              let acc = b ? b[o]! : 0;
              for (let c = 0; c < ci; c++)
                for (let i = 0; i < kh; i++)
                  for (let j = 0; j < kw; j++) {
                    const ih = oh * sh + i * dh - pt;
                    const iw = ow * sw + j * dw - pl;
                    if (ih < 0 || iw < 0 || ih >= h || iw >= wd) continue;
                    acc += x[((n * ci + c) * h + ih) * wd + iw]! * w[((o * ci + c) * kh + i) * kw + j]!;
                  }
              out[((n * co + o) * ho + oh) * wo + ow] = acc;
            }
      return out;
    }
    case 'batchNorm': {
      const [gamma, beta] = params as [Float64Array, Float64Array];
      const [rm, rv] = ctx.buffers as [Float64Array, Float64Array];
      const c = inShape[0]!;
      const plane = inShape.length === 3 ? inShape[1]! * inShape[2]! : 1;
      const at = (n: number, ch: number, p: number) => (n * c + ch) * plane + p;
      const m = batch * plane;
      for (let ch = 0; ch < c; ch++) {
        let mean = rm[ch]!;
        let variance = rv[ch]!;
        if (ctx.mode === 'train') {
          mean = 0;
          for (let n = 0; n < batch; n++) for (let p = 0; p < plane; p++) mean += x[at(n, ch, p)]!;
          mean /= m;
          variance = 0;
          for (let n = 0; n < batch; n++) for (let p = 0; p < plane; p++) variance += (x[at(n, ch, p)]! - mean) ** 2;
          variance /= m;
          rm[ch] = (1 - k.momentum) * rm[ch]! + k.momentum * mean;
          rv[ch] = (1 - k.momentum) * rv[ch]! + (k.momentum * variance * m) / (m - 1);
        }
        const inv = 1 / Math.sqrt(variance + k.eps);
        for (let n = 0; n < batch; n++) for (let p = 0; p < plane; p++) out[at(n, ch, p)] = gamma[ch]! * (x[at(n, ch, p)]! - mean) * inv + beta[ch]!;
      }
      return out;
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const [c, h, wd] = inShape as [number, number, number];
      const [, ho, wo] = layer.outShape as [number, number, number];
      const {
        kernel: [kh, kw],
        stride: [sh, sw],
        pads: [pt, pl],
      } = k.pool;
      for (let n = 0; n < batch; n++)
        for (let ch = 0; ch < c; ch++)
          for (let oh = 0; oh < ho; oh++)
            for (let ow = 0; ow < wo; ow++) {
              let max = -Infinity;
              let sum = 0;
              let inside = 0;
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++) {
                  const ih = oh * sh + i - pt;
                  const iw = ow * sw + j - pl;
                  if (ih < 0 || iw < 0 || ih >= h || iw >= wd) continue;
                  const v = x[((n * c + ch) * h + ih) * wd + iw]!;
                  max = Math.max(max, v);
                  sum += v;
                  inside++;
                }
              out[((n * c + ch) * ho + oh) * wo + ow] = k.op === 'maxPool2d' ? max : sum / (k.countIncludePad ? kh * kw : inside);
            }
      return out;
    }
    case 'globalAvgPool': {
      const [c, h, wd] = inShape as [number, number, number];
      for (let n = 0; n < batch; n++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let p = 0; p < h * wd; p++) s += x[(n * c + ch) * h * wd + p]!;
          out[n * c + ch] = s / (h * wd);
        }
      return out;
    }
    case 'dropout': {
      const mask = ctx.noise[0];
      for (let i = 0; i < x.length; i++) out[i] = ctx.mode === 'train' ? x[i]! * mask![i]! : x[i]!;
      return out;
    }
    case 'add':
      for (let i = 0; i < x.length; i++) out[i] = x[i]! + xs[1]![i]!;
      return out;
    case 'affine': {
      const c = inShape[0]!;
      const plane = size(inShape) / c;
      const at = (v: readonly number[], ch: number) => (v.length === 1 ? v[0]! : v[ch]!);
      for (let i = 0; i < x.length; i++) {
        const ch = Math.floor(i / plane) % c;
        out[i] = x[i]! * at(k.scale, ch) + at(k.shift, ch);
      }
      return out;
    }
    case 'slice':
    case 'pad': {
      // Walk every output position and read its source (or zero) by strides.
      const outShape = layer.outShape;
      const inStrides = inShape.map((_, i) => size(inShape.slice(i + 1)));
      const outSize = size(outShape);
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < outSize; o++) {
          let rest = o;
          let src = 0;
          let inside = true;
          outShape.forEach((_d, i) => {
            const coord = Math.floor(rest / size(outShape.slice(i + 1)));
            rest -= coord * size(outShape.slice(i + 1));
            const from = k.op === 'slice' ? k.axes[i]!.start + coord * k.axes[i]!.step : coord - k.before[i]!;
            if (from < 0 || from >= inShape[i]!) inside = false;
            src += from * inStrides[i]!;
          });
          out[n * outSize + o] = inside ? x[n * size(inShape) + src]! : 0;
        }
      return out;
    }
    case 'shortcutA': {
      const [c, h, wd] = inShape as [number, number, number];
      const [co, ho, wo] = layer.outShape as [number, number, number];
      for (let n = 0; n < batch; n++)
        for (let ch = 0; ch < c; ch++)
          for (let oh = 0; oh < ho; oh++)
            for (let ow = 0; ow < wo; ow++)
              out[((n * co + ch + k.padChannels) * ho + oh) * wo + ow] = x[((n * c + ch) * h + oh * k.stride) * wd + ow * k.stride]!;
      return out;
    }
  }
}

/** Mean softmax cross-entropy over the batch. */
export function refCrossEntropy(logits: Float64Array, labels: readonly number[], classes: number): number {
  let total = 0;
  labels.forEach((label, n) => {
    const z = logits.subarray(n * classes, (n + 1) * classes);
    const m = Math.max(...z);
    let s = 0;
    for (const v of z) s += Math.exp(v - m);
    total += m + Math.log(s) - z[label]!;
  });
  return total / labels.length;
}

/**
 * The model's logits in float64. `weights` are the parameters then the buffers (buffers are
 * copied: a training-mode pass leaves the caller's untouched); `noise` the dropout masks.
 */
export function refModel(
  model: ModelGraph,
  x: Float64Array,
  weights: readonly Float64Array[],
  batch: number,
  mode: Mode = 'eval',
  noise: readonly Float64Array[] = [],
): { logits: Float64Array; buffers: Float64Array[] } {
  const layers = model.nodes.map((n) => n.layer);
  const nParams = layers.reduce((a, l) => a + l.params.length, 0);
  const buffers = weights.slice(nParams).map((b) => Float64Array.from(b));
  const outputs: Float64Array[] = [];
  let p = 0;
  let b = 0;
  let z = 0;
  for (const node of model.nodes) {
    const l = node.layer;
    const ctx: RefContext = { mode, buffers: buffers.slice(b, b + l.buffers.length), noise: noise.slice(z, z + l.noise.length) };
    outputs.push(
      refLayer(
        l,
        node.inputs.map((i) => (i === MODEL_INPUT ? x : outputs[i]!)),
        weights.slice(p, p + l.params.length),
        batch,
        ctx,
      ),
    );
    p += l.params.length;
    b += l.buffers.length;
    z += l.noise.length;
  }
  return { logits: outputs[outputs.length - 1]!, buffers };
}

export function refModelLoss(
  model: ModelGraph,
  x: Float64Array,
  weights: readonly Float64Array[],
  labels: readonly number[],
  classes: number,
  mode: Mode = 'eval',
  noise: readonly Float64Array[] = [],
): number {
  return refCrossEntropy(refModel(model, x, weights, labels.length, mode, noise).logits, labels, classes);
}

/**
 * Central finite differences of f with respect to every entry of v (mutated and restored): h
 * small so steps rarely cross a ReLU kink; float64 keeps roundoff ~1e-10.
 */
export function finiteDiff(f: () => number, v: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i]!;
    v[i] = old + h;
    const fp = f();
    v[i] = old - h;
    const fm = f();
    v[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/**
 * Central finite differences at `count` entries of v spread evenly over it (all of them when
 * v is that small): the check for tensors too large to difference whole in a test.
 * Returns the entries' indices and the differences there.
 */
export function finiteDiffSample(f: () => number, v: Float64Array, count = 48, h = 1e-6): { at: number[]; diff: Float64Array } {
  const at = v.length <= count ? Array.from(v.keys()) : Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * v.length) / count));
  const diff = new Float64Array(at.length);
  at.forEach((idx, k) => {
    const old = v[idx]!;
    v[idx] = old + h;
    const fp = f();
    v[idx] = old - h;
    const fm = f();
    v[idx] = old;
    diff[k] = (fp - fm) / (2 * h);
  });
  return { at, diff };
}

/** ‖a − b‖ / ‖b‖: the norm-wise relative error of a against reference b. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** Deterministic test data: uniform in [lo, hi), optionally kept away from 0 by `gap`. */
export function randomArray(n: number, rng: () => number, lo = -1, hi = 1, gap = 0): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    do v = lo + (hi - lo) * rng();
    while (Math.abs(v) < gap);
    a[i] = v;
  }
  return a;
}
