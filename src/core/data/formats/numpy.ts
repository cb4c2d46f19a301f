// NumPy arrays: one .npz archive (np.savez / np.savez_compressed) with x_train, y_train,
// x_test, y_test (and optionally classes), or a folder of those as .npy files. The key
// names are options (`keys`). Pixels are uint8 (0-255) or float32/float64 in [0, 1]; images
// are [N, H, W] (grayscale), [N, H, W, C] or [N, C, H, W] with C 1 or 3: the layout is
// inferred when only one reading fits and is otherwise an error, unless `layout` says.
// Labels are integers in 0..numClasses-1 (numClasses: the option, else the length of
// `classes`, else the largest label + 1).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { GiB, readRegularFile } from '../../util/paths.ts';
import { DataError } from '../idx.ts';
import { Fingerprint, toPixels, type Dataset, type Split } from '../dataset.ts';
import { parseNpy, type NpyArray } from '../npy.ts';
import type { DataFormat, DatasetSpec } from './format.ts';
import type { OptionChecks } from '../../util/option-block.ts';
import { MAX_CLASSES, classCountProblem } from './classes.ts';

const MAX_ARRAY_BYTES = 2 * GiB - 1;
const KEYS = { xTrain: 'x_train', yTrain: 'y_train', xTest: 'x_test', yTest: 'y_test', classes: 'classes' } as const;
type Key = keyof typeof KEYS;

export interface NumpyOptions {
  readonly keys?: Partial<Record<Key, string>>;
  readonly layout?: 'NHWC' | 'NCHW';
  readonly numClasses?: number;
}

export const NUMPY_OPTIONS: OptionChecks = {
  keys: (v) =>
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.entries(v).every(([k, s]) => Object.hasOwn(KEYS, k) && typeof s === 'string' && /^[\w.-]+$/.test(s))
      ? undefined
      : `an object naming arrays: { ${Object.keys(KEYS).join(', ')} } (each a name of letters, digits, _ . -)`,
  layout: (v) => (v === 'NHWC' || v === 'NCHW' ? undefined : "'NHWC' or 'NCHW'"),
  numClasses: classCountProblem,
};

/** The named arrays of a .npz archive or a folder of .npy files; `optional` ones may be absent. */
function readArrays(path: string, names: Record<Key, string>): { arrays: Partial<Record<Key, NpyArray>>; where: (k: Key) => string } {
  const arrays: Partial<Record<Key, NpyArray>> = {};
  const wanted = Object.entries(names) as [Key, string][];
  const err = (f: string, p: string) => new DataError(f, p);
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const [k, n] of wanted) {
      const file = join(path, `${n}.npy`);
      if (!existsSync(file)) {
        if (k === 'classes') continue;
        throw new DataError(
          path,
          `has no ${n}.npy; a NumPy dataset folder holds ${wanted
            .filter(([q]) => q !== 'classes')
            .map(([, m]) => `${m}.npy`)
            .join(', ')}`,
        );
      }
      arrays[k] = parseNpy(readRegularFile(file, { what: 'a .npy file', maxBytes: MAX_ARRAY_BYTES, error: err }), file);
    }
    return { arrays, where: (k) => join(path, `${names[k]}.npy`) };
  }
  const zip = readRegularFile(path, { what: 'a .npz archive (or a folder of .npy files)', maxBytes: MAX_ARRAY_BYTES, error: err });
  const members = new Set(wanted.map(([, n]) => `${n}.npy`));
  let files: Record<string, Uint8Array>;
  try {
    // Only the arrays named are inflated, and none beyond its declared size's bound.
    files = unzipSync(zip, {
      filter: (f) => {
        if (!members.has(f.name)) return false;
        if (f.originalSize > MAX_ARRAY_BYTES)
          throw new DataError(path, `member ${f.name} declares ${f.originalSize} bytes; at most ${MAX_ARRAY_BYTES} are read`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(path, `is not a readable .npz (zip) archive (${(e as Error).message})`);
  }
  for (const [k, n] of wanted) {
    const member = files[`${n}.npy`];
    if (!member) {
      if (k === 'classes') continue;
      throw new DataError(
        path,
        `has no array "${n}" (${n}.npy); it holds ${Object.keys(files).join(', ') || 'none of the arrays named'}; ` +
          "name the arrays with the dataset's keys option",
      );
    }
    arrays[k] = parseNpy(member, `${path}[${n}]`);
  }
  return { arrays, where: (k) => `${path}[${names[k]}]` };
}

type Layout = 'NHW' | 'NHWC' | 'NCHW';

function layoutOf(a: NpyArray, where: string, declared: NumpyOptions['layout']): Layout {
  const s = a.shape;
  if (s.length === 3) return 'NHW';
  if (s.length !== 4) throw new DataError(where, `has shape (${s.join(', ')}); images are (N, H, W), (N, H, W, C) or (N, C, H, W)`);
  const channelsLast = s[3] === 1 || s[3] === 3;
  const channelsFirst = s[1] === 1 || s[1] === 3;
  if (declared) {
    if (declared === 'NHWC' ? !channelsLast : !channelsFirst) throw new DataError(where, `has shape (${s.join(', ')}): not ${declared} with 1 or 3 channels`);
    return declared;
  }
  if (channelsLast && channelsFirst)
    throw new DataError(where, `has shape (${s.join(', ')}), which reads as NHWC and as NCHW; set the dataset's layout: 'NHWC' or 'NCHW'`);
  if (!channelsLast && !channelsFirst) throw new DataError(where, `has shape (${s.join(', ')}): neither axis 1 nor axis 3 is 1 or 3 channels`);
  return channelsLast ? 'NHWC' : 'NCHW';
}

/** Images as [N, C, H, W]: bytes (uint8 input) or floats (float input), checked. */
function images(a: NpyArray, where: string, declared: NumpyOptions['layout']) {
  const layout = layoutOf(a, where, declared);
  const s = a.shape;
  const [n, c, h, w] = layout === 'NHW' ? [s[0]!, 1, s[1]!, s[2]!] : layout === 'NHWC' ? [s[0]!, s[3]!, s[1]!, s[2]!] : [s[0]!, s[1]!, s[2]!, s[3]!];
  if (n === 0) throw new DataError(where, 'holds no images; a split needs at least one');
  const float = a.descr.endsWith('f4') || a.descr.endsWith('f8');
  if (!float && a.descr !== '|u1') throw new DataError(where, `holds ${a.descr} pixels; expected uint8 (0-255) or float32/float64 (0-1)`);
  const src = a.data as Uint8Array | Float32Array | Float64Array;
  if (float) {
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (!(v >= 0 && v <= 1)) throw new DataError(where, `pixel ${i} is ${v}; float pixels must be finite and in [0, 1]`);
    }
  }
  const plane = h * w;
  const out = float ? new Float32Array(n * c * plane) : new Uint8Array(n * c * plane);
  if (layout === 'NHWC') {
    for (let e = 0; e < n; e++)
      for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[e * c * plane + ch * plane + p] = src[(e * plane + p) * c + ch]!;
  } else out.set(src);
  return { n, shape: [c, h, w] as [number, number, number], bytes: float ? undefined : (out as Uint8Array), floats: float ? (out as Float32Array) : undefined };
}

function labelsOf(a: NpyArray, where: string, count: number): number[] {
  if (a.shape.length !== 1 && !(a.shape.length === 2 && a.shape[1] === 1))
    throw new DataError(where, `has shape (${a.shape.join(', ')}); labels are a vector (N,)`);
  if (Array.isArray(a.data) || a.descr.endsWith('f4') || a.descr.endsWith('f8')) throw new DataError(where, `holds ${a.descr}; labels are integers`);
  const labels = Array.from(a.data as ArrayLike<number | bigint>, Number);
  if (labels.length !== count) throw new DataError(where, `holds ${labels.length} labels but its images are ${count}`);
  return labels;
}

export const numpy: DataFormat = {
  name: 'numpy',
  layout: 'a .npz archive with x_train, y_train, x_test, y_test (optionally classes), or a folder of those as .npy files',
  missing: () => [],
  options: NUMPY_OPTIONS,
  load(path: string, spec: DatasetSpec): Dataset {
    const o = (spec.options ?? {}) as NumpyOptions;
    const names = { ...KEYS, ...(o.keys ?? {}) };
    const { arrays, where } = readArrays(path, names);
    const train = images(arrays.xTrain!, where('xTrain'), o.layout);
    const test = images(arrays.xTest!, where('xTest'), o.layout);
    if (train.shape.join() !== test.shape.join())
      throw new DataError(where('xTest'), `holds images of [${test.shape.join(', ')}] but ${where('xTrain')} holds [${train.shape.join(', ')}] (C, H, W)`);
    if (!!train.floats !== !!test.floats)
      throw new DataError(where('xTest'), `holds ${arrays.xTest!.descr} pixels but ${where('xTrain')} holds ${arrays.xTrain!.descr}`);
    const yTrain = labelsOf(arrays.yTrain!, where('yTrain'), train.n);
    const yTest = labelsOf(arrays.yTest!, where('yTest'), test.n);
    let classes: string[] | undefined;
    if (arrays.classes) {
      if (!Array.isArray(arrays.classes.data) || arrays.classes.shape.length !== 1)
        throw new DataError(
          where('classes'),
          `holds ${arrays.classes.descr} of shape (${arrays.classes.shape.join(', ')}); class names are a vector of strings`,
        );
      classes = arrays.classes.data;
    }
    // A loop, not Math.max(...labels): a spread of 100,000 labels overflows the call stack.
    let maxLabel = 0;
    for (const y of [yTrain, yTest]) for (const l of y) if (l > maxLabel) maxLabel = l;
    const numClasses = o.numClasses ?? spec.numClasses ?? classes?.length ?? maxLabel + 1;
    if (numClasses > MAX_CLASSES) throw new DataError(path, `has ${numClasses} classes; at most ${MAX_CLASSES} are supported`);
    if (classes && classes.length !== numClasses) throw new DataError(where('classes'), `names ${classes.length} classes but the dataset has ${numClasses}`);
    const hash = new Fingerprint();
    const split = (x: ReturnType<typeof images>, y: number[], key: Key): Split => {
      const bad = y.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= numClasses);
      if (bad >= 0) throw new DataError(where(key), `label ${y[bad]} at index ${bad} is outside 0..${numClasses - 1}`);
      const labels = Uint8Array.from(y);
      if (x.bytes) hash.add([x.n, ...x.shape], x.bytes, labels);
      else hash.addFloat([x.n, ...x.shape], x.floats!, labels);
      return { images: x.bytes ? toPixels(x.bytes) : x.floats!, labels, count: x.n };
    };
    const trainSplit = split(train, yTrain, 'yTrain');
    const testSplit = split(test, yTest, 'yTest');
    const names_ = classes ?? Array.from({ length: numClasses }, (_, i) => String(i));
    hash.addClasses(names_);
    return { name: spec.name, dir: path, shape: train.shape, numClasses, classes: names_, train: trainSplit, test: testSplit, fingerprint: hash.digest() };
  },
};
