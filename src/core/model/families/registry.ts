// The model families a suite can name. Adding one is one file and one line here.
import type { Shape } from '../layer.ts';
import type { ModelGraph } from '../model.ts';
import type { ModelFamily, Problem } from './family.ts';
import { mlp, type MlpSpec } from './mlp.ts';
import { cnn, type CnnSpec } from './cnn.ts';
import { lenet5, type Lenet5Spec } from './lenet5.ts';
import { resnet, type ResnetSpec } from './resnet.ts';
import { onnx, type OnnxSpec } from './onnx.ts';

export type ModelSpec = MlpSpec | CnnSpec | Lenet5Spec | ResnetSpec | OnnxSpec;

const registry = new Map<string, ModelFamily>(([mlp, cnn, lenet5, resnet, onnx] as unknown as ModelFamily[]).map((f) => [f.kind, f]));

export function listModels(): string[] {
  return [...registry.keys()];
}

export function modelFamily(kind: string): ModelFamily {
  const f = registry.get(kind);
  if (!f) throw new Error(`unknown model kind "${kind}"; known: ${listModels().join(', ')}`);
  return f;
}

/** The first problem with a model spec, its field relative to `model`. */
export function modelProblem(spec: unknown): Problem | undefined {
  if (typeof spec !== 'object' || spec === null) return { field: '', value: spec, expected: 'an object { kind, ... }' };
  const s = spec as Record<string, unknown>;
  const family = registry.get(s.kind as string);
  if (!family) return { field: 'kind', value: s.kind, expected: `one of ${listModels().join(', ')}` };
  return family.validate(s);
}

export function buildModel(spec: ModelSpec, inShape: Shape, numClasses: number): ModelGraph {
  return modelFamily(spec.kind).build(spec, inShape, numClasses);
}

/** A spec with what it depends on outside itself filled in (see ModelFamily.resolve). */
export function resolveModel(spec: ModelSpec): ModelSpec {
  const f = modelFamily(spec.kind);
  return f.resolve ? (f.resolve(spec) as ModelSpec) : spec;
}

/** A short, stable label for reports, e.g. "mlp[256,128]" or "cnn[32,64/2,64/2]". */
export function modelLabel(spec: ModelSpec): string {
  return modelFamily(spec.kind).label(spec);
}
