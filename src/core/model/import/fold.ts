// Constant folding for the small integer computations exporters put around the layers:
// the pads of F.pad (Shape, Gather, Mul, Sub, ConstantOfShape, Concat, Reshape, Slice with a
// negative step, Transpose, Cast), and x.view(x.size(0), -1) (Shape, Gather, Unsqueeze,
// Concat). Tensors are row-major number arrays; 'N', the batch size, may appear in shape
// vectors and survives the ops that only move values around.
import type { Tensor } from './read.ts';

export type Cell = number | 'N';

export interface Folded {
  readonly dims: readonly number[];
  readonly values: readonly Cell[];
}

const strides = (dims: readonly number[]) => dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function at(t: Folded, index: readonly number[]): Cell {
  const s = strides(t.dims);
  return t.values[index.reduce((a, v, i) => a + v * s[i]!, 0)]!;
}

/** Every index of a shape, in row-major order. */
function* indices(dims: readonly number[]): Generator<number[]> {
  const n = count(dims);
  const s = strides(dims);
  for (let k = 0; k < n; k++) yield dims.map((d, i) => Math.floor(k / s[i]!) % d);
}

const numeric = (vs: readonly Cell[]): number[] | undefined => (vs.every((v) => typeof v === 'number') ? (vs as number[]) : undefined);

function broadcastBinary(a: Folded, b: Folded, f: (x: number, y: number) => number): Folded | undefined {
  const [x, y] = [numeric(a.values), numeric(b.values)];
  if (!x || !y) return undefined;
  if (x.length === y.length) return { dims: a.dims.length >= b.dims.length ? a.dims : b.dims, values: x.map((v, i) => f(v, y[i]!)) };
  if (y.length === 1) return { dims: a.dims, values: x.map((v) => f(v, y[0]!)) };
  if (x.length === 1) return { dims: b.dims, values: y.map((v) => f(x[0]!, v)) };
  return undefined;
}

export interface FoldInput {
  readonly op: string;
  /** Inputs; undefined where an optional input is absent. */
  readonly inputs: readonly (Folded | undefined)[];
  readonly attrs: ReadonlyMap<string, number | number[] | string | Tensor>;
}

/** The value of an op on constant inputs, or undefined when this folder does not compute it. */
export function fold({ op, inputs, attrs }: FoldInput): Folded | undefined {
  const [a, b] = inputs;
  const ints = (t: Folded | undefined) => (t ? numeric(t.values) : undefined);
  switch (op) {
    case 'Identity':
    case 'Cast':
      return a;
    case 'Shape':
      return a && { dims: [a.dims.length], values: [...a.dims] };
    case 'Add':
      return a && b && broadcastBinary(a, b, (x, y) => x + y);
    case 'Sub':
      return a && b && broadcastBinary(a, b, (x, y) => x - y);
    case 'Mul':
      return a && b && broadcastBinary(a, b, (x, y) => x * y);
    case 'Div':
      return a && b && broadcastBinary(a, b, (x, y) => (Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y));
    case 'ConstantOfShape': {
      const shape = ints(a);
      const v = (attrs.get('value') as Tensor | undefined)?.values[0] ?? 0;
      return shape && { dims: shape, values: new Array<number>(count(shape)).fill(v) };
    }
    case 'Gather': {
      const idx = ints(b);
      if (!a || !idx) return undefined;
      const axis = ((attrs.get('axis') as number | undefined) ?? 0) + (((attrs.get('axis') as number | undefined) ?? 0) < 0 ? a.dims.length : 0);
      const outDims = [...a.dims.slice(0, axis), ...b!.dims, ...a.dims.slice(axis + 1)];
      const values: Cell[] = [];
      for (const i of indices(outDims)) {
        const pick = idx[b!.dims.length ? i.slice(axis, axis + b!.dims.length).reduce((acc, v, k) => acc * b!.dims[k]! + v, 0) : 0]!;
        values.push(at(a, [...i.slice(0, axis), pick < 0 ? pick + a.dims[axis]! : pick, ...i.slice(axis + b!.dims.length)]));
      }
      return { dims: outDims, values };
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      if (!a) return undefined;
      const axes = (attrs.get('axes') as number[] | undefined) ?? ints(b) ?? [];
      if (op === 'Squeeze') {
        const rank = a.dims.length;
        const drop = axes.length ? axes.map((x) => (x < 0 ? x + rank : x)) : a.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
        return { dims: a.dims.filter((_, i) => !drop.includes(i)), values: a.values };
      }
      const dims = [...a.dims];
      const rank = dims.length + axes.length;
      for (const x of axes.map((v) => (v < 0 ? v + rank : v)).sort((p, q) => p - q)) dims.splice(x, 0, 1);
      return { dims, values: a.values };
    }
    case 'Concat': {
      const parts = inputs.filter((t): t is Folded => t !== undefined);
      if (parts.length !== inputs.length) return undefined;
      const rank = parts[0]!.dims.length;
      const axis = ((attrs.get('axis') as number | undefined) ?? 0) + (((attrs.get('axis') as number | undefined) ?? 0) < 0 ? rank : 0);
      const dims = [...parts[0]!.dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis]!, 0);
      const values: Cell[] = [];
      for (const i of indices(dims)) {
        let k = i[axis]!;
        const part = parts.find((p) => (k < p.dims[axis]! ? true : ((k -= p.dims[axis]!), false)))!;
        values.push(at(part, [...i.slice(0, axis), k, ...i.slice(axis + 1)]));
      }
      return { dims, values };
    }
    case 'Reshape': {
      const target = ints(b);
      if (!a || !target) return undefined;
      const known = target.map((d, i) => (d === 0 ? a.dims[i]! : d));
      const free = count(known.filter((d) => d !== -1));
      return { dims: known.map((d) => (d === -1 ? a.values.length / free : d)), values: a.values };
    }
    case 'Transpose': {
      if (!a) return undefined;
      const perm = (attrs.get('perm') as number[] | undefined) ?? a.dims.map((_, i) => a.dims.length - 1 - i);
      const dims = perm.map((p) => a.dims[p]!);
      const values: Cell[] = [];
      for (const i of indices(dims)) {
        const src = new Array<number>(dims.length);
        perm.forEach((p, k) => (src[p] = i[k]!));
        values.push(at(a, src));
      }
      return { dims, values };
    }
    case 'Slice': {
      if (!a) return undefined;
      const starts = (attrs.get('starts') as number[] | undefined) ?? ints(inputs[1]);
      const ends = (attrs.get('ends') as number[] | undefined) ?? ints(inputs[2]);
      if (!starts || !ends) return undefined;
      const axes = (attrs.get('axes') as number[] | undefined) ?? ints(inputs[3]) ?? starts.map((_, i) => i);
      const steps = ints(inputs[4]) ?? starts.map(() => 1);
      const ranges = a.dims.map((d) => ({ start: 0, step: 1, n: d }));
      axes.forEach((raw, k) => {
        const axis = raw < 0 ? raw + a.dims.length : raw;
        const d = a.dims[axis]!;
        const step = steps[k]!;
        const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
        const start = step > 0 ? clamp(starts[k]!, 0, d) : clamp(starts[k]!, -1, d - 1);
        const end = step > 0 ? clamp(ends[k]!, 0, d) : clamp(ends[k]!, -1, d - 1);
        ranges[axis] = { start, step, n: Math.max(0, Math.ceil((end - start) / step)) };
      });
      const dims = ranges.map((r) => r.n);
      const values: Cell[] = [];
      for (const i of indices(dims))
        values.push(
          at(
            a,
            i.map((v, k) => ranges[k]!.start + v * ranges[k]!.step),
          ),
        );
      return { dims, values };
    }
    default:
      return undefined;
  }
}

/** Ops that are folded whenever their inputs are all constant (the layer rules handle the rest). */
export const FOLDABLE = new Set([
  'Identity',
  'Cast',
  'Shape',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'ConstantOfShape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Reshape',
  'Transpose',
  'Slice',
]);
