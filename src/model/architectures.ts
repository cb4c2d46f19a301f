// The model families a suite can name, as a registry: each turns its options into layers.
import type { Layer, Shape } from './layer.ts';
import { dense } from './layers/dense.ts';
import { relu } from './layers/relu.ts';
import { flatten } from './layers/flatten.ts';
import { conv2d } from './layers/conv2d.ts';

export interface MlpSpec {
  readonly kind: 'mlp';
  /** Hidden widths, e.g. [256, 128]; each hidden layer is Dense + ReLU. */
  readonly hidden: readonly number[];
}

export interface ConvSpec {
  readonly channels: number;
  readonly stride: number;
}

export interface CnnSpec {
  readonly kind: 'cnn';
  /** 3x3 convolutions with padding 1, each followed by ReLU; then one Dense to the classes. */
  readonly convs?: readonly ConvSpec[];
}

export type ModelSpec = MlpSpec | CnnSpec;

export const DEFAULT_CNN: readonly ConvSpec[] = [
  { channels: 32, stride: 1 },
  { channels: 64, stride: 2 },
  { channels: 64, stride: 2 },
];

type Builder<S extends ModelSpec> = (spec: S, inShape: Shape, numClasses: number) => Layer[];

/** Appends `make(previous output shape)` to the list; a tiny helper for sequential stacks. */
function stack(inShape: Shape, makers: ((shape: Shape, i: number) => Layer)[]): Layer[] {
  const layers: Layer[] = [];
  let shape = inShape;
  makers.forEach((make, i) => {
    const layer = make(shape, i);
    layers.push(layer);
    shape = layer.outShape;
  });
  return layers;
}

const mlp: Builder<MlpSpec> = (spec, inShape, numClasses) =>
  stack(inShape, [
    (s) => flatten('flatten', s),
    ...spec.hidden.flatMap((units, i) => [(s: Shape) => dense(`dense${i + 1}`, s, units), (s: Shape) => relu(`relu${i + 1}`, s)]),
    (s) => dense(`dense${spec.hidden.length + 1}`, s, numClasses),
  ]);

const cnn: Builder<CnnSpec> = (spec, inShape, numClasses) => {
  const convs = spec.convs ?? DEFAULT_CNN;
  return stack(inShape, [
    ...convs.flatMap((c, i) => [
      (s: Shape) => conv2d(`conv${i + 1}`, s, { channels: c.channels, kernel: 3, stride: c.stride, padding: 1 }),
      (s: Shape) => relu(`relu${i + 1}`, s),
    ]),
    (s) => flatten('flatten', s),
    (s) => dense('dense', s, numClasses),
  ]);
};

const registry: { [K in ModelSpec['kind']]: Builder<Extract<ModelSpec, { kind: K }>> } = { mlp, cnn };

export function listModels(): string[] {
  return Object.keys(registry);
}

export function buildLayers(spec: ModelSpec, inShape: Shape, numClasses: number): Layer[] {
  const build = registry[spec.kind] as Builder<ModelSpec> | undefined;
  if (!build) throw new Error(`unknown model kind "${(spec as { kind: string }).kind}"; known: ${listModels().join(', ')}`);
  return build(spec, inShape, numClasses);
}

/** A short, stable label for reports, e.g. "mlp[256,128]" or "cnn[32,64/2,64/2]". */
export function modelLabel(spec: ModelSpec): string {
  if (spec.kind === 'mlp') return `mlp[${spec.hidden.join(',')}]`;
  return `cnn[${(spec.convs ?? DEFAULT_CNN).map((c) => (c.stride === 1 ? `${c.channels}` : `${c.channels}/${c.stride}`)).join(',')}]`;
}
