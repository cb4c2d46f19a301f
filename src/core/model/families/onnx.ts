// onnx: a classifier of the user's own, exported to ONNX (torch.onnx.export, tf2onnx) and
// mapped onto optrobust's layers (src/core/model/import/). weights 'file' (the default) starts
// every optimizer from the file's weights; 'seeded' re-initialises them from the suite's
// seed with PyTorch's defaults per layer type. `preprocess` applies the normalisation the
// model expects inside the graph, (x·scale − mean)/std per channel, so perturbations and
// attacks stay in [0, 1] pixel space. The suite records the file's SHA-256: a run is bound
// to the bytes it started with.
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { Layer, Shape } from '../layer.ts';
import { MODEL_INPUT, type ModelGraph } from '../model.ts';
import { affine } from '../layers/affine.ts';
import { reshape } from '../layers/reshape.ts';
import { importOnnx, readOnnxFile, type ImportedModel } from '../import/import.ts';
import { OnnxFileError } from '../import/read.ts';
import { checkFields, checkOneOf, first, type ModelFamily, type Problem } from './family.ts';
import { show } from '../../../errors.ts';

export interface Preprocess {
  /** Multiplies [0, 1] pixels first (e.g. 255 for a model trained on bytes). */
  readonly scale?: number;
  /** Per channel (or one value for all). */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

export interface OnnxSpec {
  readonly kind: 'onnx';
  readonly path: string;
  readonly weights?: 'file' | 'seeded';
  readonly preprocess?: Preprocess;
  /** Filled in when a suite is defined: the file's SHA-256. */
  readonly sha256?: string;
}

const cache = new Map<string, ImportedModel>();

function read(path: string): Uint8Array {
  return readOnnxFile(path);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The imported model of a spec's file (cached per process by content), checked against the recorded hash. */
export function importSpec(spec: OnnxSpec): ImportedModel {
  const bytes = read(spec.path);
  const hash = sha256(bytes);
  if (spec.sha256 && spec.sha256 !== hash)
    throw new OnnxFileError(`${spec.path}: the file changed since the suite was defined (SHA-256 ${hash.slice(0, 12)}, expected ${spec.sha256.slice(0, 12)})`);
  let m = cache.get(hash);
  if (!m) cache.set(hash, (m = importOnnx(bytes, spec.path)));
  return m;
}

/** The model with a layer in front of it that reads the input (the other nodes' indices shift by one). */
function prepend(model: ModelGraph, layer: Layer): ModelGraph {
  const first = { layer, inputs: [MODEL_INPUT] };
  return {
    inShape: layer.inShapes[0]!,
    nodes: [first, ...model.nodes.map((n) => ({ layer: n.layer, inputs: n.inputs.map((i) => (i === MODEL_INPUT ? 0 : i + 1)) }))],
    initial: model.initial,
  };
}

/** (x·scale − mean)/std per channel, as one fixed affine layer. */
function preprocessLayer(p: Preprocess, inShape: Shape): Layer {
  const c = inShape[0]!;
  const at = (v: readonly number[] | undefined, ch: number, d: number) => (v === undefined ? d : v.length === 1 ? v[0]! : v[ch]!);
  const scale = Array.from({ length: c }, (_, ch) => (p.scale ?? 1) / at(p.std, ch, 1));
  const shift = Array.from({ length: c }, (_, ch) => -at(p.mean, ch, 0) / at(p.std, ch, 1));
  return affine('preprocess', inShape, scale, shift);
}

/** What is wrong with a preprocessing { scale?, mean?, std? } (from a suite, or a file's metadata), named under `field`. */
function preprocessProblem(p: unknown, field: string): Problem | undefined {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return { field, value: p, expected: 'an object { scale?, mean?, std? }' };
  const q = p as Record<string, unknown>;
  const extra = Object.keys(q).find((k) => !['scale', 'mean', 'std'].includes(k));
  if (extra) return { field: `${field}.${extra}`, value: q[extra], expected: 'no such field (scale, mean, std)' };
  if (!checkNumbers(q.scale, false)) return { field: `${field}.scale`, value: q.scale, expected: 'a positive number' };
  if (!checkNumbers(q.mean, true)) return { field: `${field}.mean`, value: q.mean, expected: 'a list of numbers, one per channel' };
  if (!checkNumbers(q.std, true) || (q.std as number[] | undefined)?.some((x) => x <= 0))
    return { field: `${field}.std`, value: q.std, expected: 'a list of positive numbers, one per channel' };
  return undefined;
}

/**
 * The metadata key (ONNX metadata_props) under which a file states the preprocessing its model
 * expects, as JSON { "scale"?, "mean"?, "std"? } (the suite's `preprocess`); `export` writes {}
 * (its graph takes [0, 1] pixels: the preprocessing is inside).
 */
export const PREPROCESS_KEY = 'optrobust.preprocess';

/** The preprocessing the file's metadata states, checked; undefined when it states none. */
function filePreprocess(m: ImportedModel, path: string): Preprocess | undefined {
  const raw = m.metadata[PREPROCESS_KEY];
  if (raw === undefined) return undefined;
  let p: unknown;
  try {
    p = JSON.parse(raw);
  } catch {
    throw new OnnxFileError(`${path}: metadata ${PREPROCESS_KEY} = ${show(raw)}; expected JSON { "scale"?, "mean"?, "std"? }`);
  }
  const problem = preprocessProblem(p, `metadata ${PREPROCESS_KEY}`);
  if (problem) throw new OnnxFileError(`${path}: ${problem.field} = ${show(problem.value)}; expected ${problem.expected}`);
  return p as Preprocess;
}

/** Whether the model's preprocessing is stated, by the spec (a suite, evaluate's flags) or by the file's metadata ({} included). */
export const statesPreprocess = (spec: OnnxSpec): boolean => spec.preprocess !== undefined || filePreprocess(importSpec(spec), spec.path) !== undefined;

const canonical = (p: Preprocess) => JSON.stringify({ scale: p.scale ?? 1, mean: p.mean ?? [0], std: p.std ?? [1] });

const checkNumbers = (v: unknown, channels: boolean) =>
  v === undefined ||
  (channels
    ? Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))
    : typeof v === 'number' && Number.isFinite(v) && v > 0);

export const onnx: ModelFamily<OnnxSpec> = {
  kind: 'onnx',
  description: 'your own classifier from an ONNX file (torch.onnx.export, tf2onnx), mapped onto these layers',
  validate: (s) =>
    first(
      () => checkFields(s, ['path', 'weights', 'preprocess', 'sha256']),
      () => (typeof s.path === 'string' && s.path.length > 0 ? undefined : { field: 'path', value: s.path, expected: 'the path of an .onnx file' }),
      () => checkOneOf(s, 'weights', ['file', 'seeded']),
      () => (s.preprocess === undefined ? undefined : preprocessProblem(s.preprocess, 'preprocess')),
      () => {
        try {
          importSpec({ kind: 'onnx', path: resolve(s.path as string), sha256: s.sha256 as string | undefined });
          return undefined;
        } catch (e) {
          return { field: 'path', value: s.path, expected: `an importable ONNX classifier: ${(e as Error).message}` };
        }
      },
    ),
  resolve: (s) => ({ ...s, path: resolve(s.path), sha256: s.sha256 ?? sha256(read(resolve(s.path))) }),
  build(spec, inShape, numClasses) {
    const m = importSpec(spec);
    if (m.inShape.join() !== inShape.join() && !(m.inShape.length === 1 && m.inShape[0] === inShape.reduce((a, b) => a * b, 1))) {
      throw new OnnxFileError(`${spec.path}: the model takes inputs of shape [${m.inShape.join(', ')}], the dataset has [${inShape.join(', ')}]`);
    }
    if (m.numClasses !== numClasses) throw new OnnxFileError(`${spec.path}: the model scores ${m.numClasses} classes, the dataset has ${numClasses}`);
    let model: ModelGraph = { ...m.model, initial: spec.weights === 'seeded' ? undefined : m.weights };
    // A flat input ([784]) fed images ([1, 28, 28]): flatten them first.
    if (m.inShape.length === 1 && inShape.length !== 1) model = prepend(model, reshape('flatten-input', inShape, m.inShape));
    // The suite's (or evaluate's flags'), else the file's own; both, they must agree.
    const stated = filePreprocess(m, spec.path);
    if (spec.preprocess && stated && canonical(spec.preprocess) !== canonical(stated))
      throw new OnnxFileError(
        `${spec.path}: its metadata ${PREPROCESS_KEY} says ${JSON.stringify(stated)}, the suite (or --scale/--mean/--std) ` +
          `${JSON.stringify(spec.preprocess)}; the model would be normalised wrongly: drop one`,
      );
    const preprocess = spec.preprocess ?? stated;
    if (preprocess && canonical(preprocess) !== canonical({})) {
      const c = inShape[0]!;
      for (const [field, v] of [
        ['mean', preprocess.mean],
        ['std', preprocess.std],
      ] as const) {
        if (v && v.length !== 1 && v.length !== c)
          throw new OnnxFileError(`${spec.path}: preprocess.${field} has ${v.length} values; the dataset has ${c} channel(s)`);
      }
      model = prepend(model, preprocessLayer(preprocess, inShape));
    }
    return model;
  },
  label: (s) => `${basename(s.path)}${s.weights === 'seeded' ? '-seeded' : ''}`,
};
