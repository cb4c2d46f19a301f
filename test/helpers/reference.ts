// Float64 reference implementations, written as plain loops straight from the
// definitions, against which the ONNX graphs and central finite differences are checked.
import type { Layer } from '../../src/model/layer.ts';
import { size } from '../../src/model/layer.ts';

export function refLayer(layer: Layer, x: Float64Array, params: readonly Float64Array[], batch: number): Float64Array {
  const k = layer.kind;
  const out = new Float64Array(batch * size(layer.outShape));
  switch (k.op) {
    case 'flatten':
      out.set(x);
      return out;
    case 'relu':
      for (let i = 0; i < x.length; i++) out[i] = Math.max(0, x[i]!);
      return out;
    case 'dense': {
      const [w, b] = params as [Float64Array, Float64Array];
      const nin = size(layer.inShape);
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < k.units; o++) {
          let s = b[o]!;
          for (let i = 0; i < nin; i++) s += x[n * nin + i]! * w[o * nin + i]!;
          out[n * k.units + o] = s;
        }
      return out;
    }
    case 'conv2d': {
      const [w, b] = params as [Float64Array, Float64Array];
      const [ci, h, wd] = layer.inShape as [number, number, number];
      const [co, ho, wo] = layer.outShape as [number, number, number];
      const { kernel: kk, stride: s, padding: p } = k;
      for (let n = 0; n < batch; n++)
        for (let o = 0; o < co; o++)
          for (let oh = 0; oh < ho; oh++)
            for (let ow = 0; ow < wo; ow++) {
              let acc = b[o]!;
              for (let c = 0; c < ci; c++)
                for (let i = 0; i < kk; i++)
                  for (let j = 0; j < kk; j++) {
                    const ih = oh * s + i - p;
                    const iw = ow * s + j - p;
                    if (ih < 0 || iw < 0 || ih >= h || iw >= wd) continue;
                    acc += x[((n * ci + c) * h + ih) * wd + iw]! * w[((o * ci + c) * kk + i) * kk + j]!;
                  }
              out[((n * co + o) * ho + oh) * wo + ow] = acc;
            }
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

export function refModelLoss(layers: readonly Layer[], x: Float64Array, params: readonly Float64Array[], labels: readonly number[], classes: number): number {
  let h = x;
  let at = 0;
  for (const layer of layers) {
    h = refLayer(layer, h, params.slice(at, at + layer.params.length), labels.length);
    at += layer.params.length;
  }
  return refCrossEntropy(h, labels, classes);
}

/** Central finite differences of f (h small so steps rarely cross a ReLU kink; float64 keeps roundoff ~1e-10) with respect to every entry of v (mutated and restored). */
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
