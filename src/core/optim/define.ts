// Your own optimizer, as a public contract in optax's style: an `init` that makes a tensor's
// state and an `update` that steps one tensor in place. `defineOptimizer` checks the
// definition up front (torch.optim's habit: every problem names the field), turns it into
// the same OptimizerDefinition the built-in optimizers are, and registers it, so a suite
// names it like any other and it runs through the pool, store, resume, shards, tuning and
// reports. The update norm the reports need is measured around `update` (the parameters
// before and after), so a definition only says what the optimizer does.
import { InputError, show } from '../../errors.ts';
import type { TensorRole } from '../model/layer.ts';
import type { OptimizerDefinition, OptionSpec, Options, OptionValue } from './optimizer.ts';
import { type DefinedOptimizerName, registerOptimizer } from './registry.ts';

/** One option: its default, and for numbers the range it must lie in. Booleans and [beta1, beta2] pairs are typed by their default. */
export interface OptionDefinition {
  readonly default: OptionValue;
  readonly min?: number;
  readonly max?: number;
  /** `max` itself is not allowed. */
  readonly maxExclusive?: boolean;
}

/** What an optimizer knows of a tensor. */
export interface Tensor {
  /** Values in the tensor. */
  readonly size: number;
  /** PyTorch's shape ([out, in] for a dense weight, [out, in, kh, kw] for a convolution; [size] when the trainer gave none). */
  readonly shape: readonly number[];
  /** 'head' for the classifier's last layer, 'norm' for batch norm's scale and shift, 'bias', else 'hidden'. */
  readonly role: TensorRole;
}

export interface UpdateArgs<O, S> {
  /** The tensor's parameters: update them in place. */
  readonly param: Float32Array;
  readonly grad: Float32Array;
  /** What `init` made for this tensor (mutate it). */
  readonly state: S;
  readonly options: O;
  /** The scheduled learning rate of this step. */
  readonly lr: number;
  /** 1-based. */
  readonly step: number;
  readonly tensor: Tensor;
}

/** The options' values as `update` sees them, typed by their defaults. */
export type OptionsOf<D extends Readonly<Record<string, OptionDefinition>>> = {
  readonly [K in keyof D]: D[K]['default'] extends boolean ? boolean : D[K]['default'] extends readonly [number, number] ? readonly [number, number] : number;
};

export interface OptimizerSpec<D extends Readonly<Record<string, OptionDefinition>>, S, O = OptionsOf<D>> {
  /** How suites name it: a label (letters, digits, _ . + -), not a built-in optimizer's name. */
  readonly name: string;
  readonly description?: string;
  /** Every option with its default; `lr` is required. */
  readonly options: D;
  /** The learning-rate range the tuner searches (log-spaced; default [1e-4, 1]). */
  readonly lrRange?: readonly [number, number];
  /** Cross-option rules; a message when violated. */
  readonly check?: (options: O) => string | undefined;
  init(tensor: Tensor, options: O): S;
  update(args: UpdateArgs<O, S>): void;
}

export class OptimizerDefinitionError extends InputError {}

const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

function specOf(name: string, key: string, d: OptionDefinition): OptionSpec {
  const bad = (expected: string): never => {
    throw new OptimizerDefinitionError(`defineOptimizer "${name}": options.${key} = ${show(d)}; expected ${expected}`);
  };
  if (typeof d !== 'object' || d === null) bad('{ default, min?, max?, maxExclusive? }');
  const v = d.default;
  if (typeof v === 'boolean') return { type: 'boolean' };
  if (Array.isArray(v)) {
    if (!(v.length === 2 && v.every((b) => typeof b === 'number' && b >= 0 && b < 1))) bad('a default pair [beta1, beta2], each in [0, 1)');
    return { type: 'betas' };
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) bad('a default that is a finite number, a boolean or a pair [beta1, beta2]');
  for (const k of ['min', 'max'] as const) if (d[k] !== undefined && !(typeof d[k] === 'number' && Number.isFinite(d[k]))) bad(`${k} a finite number`);
  const n = v as number;
  if ((d.min !== undefined && n < d.min) || (d.max !== undefined && (d.maxExclusive ? n >= d.max : n > d.max))) bad('a default within its own range');
  return { type: 'number', min: d.min, max: d.max, maxExclusive: d.maxExclusive };
}

interface State<S> {
  readonly user: S;
  readonly tensor: Tensor;
  /** The parameters before the update: Σ(Δp)² is measured from it. */
  readonly before: Float32Array;
}

/** Checks and registers an optimizer; returns its definition (suites name it by `name`). */
export function defineOptimizer<D extends Readonly<Record<string, OptionDefinition>> & { readonly lr: OptionDefinition }, S>(
  spec: OptimizerSpec<D, S>,
): OptimizerDefinition<OptionsOf<D> & Options, State<S>> & { readonly name: DefinedOptimizerName } {
  type O = OptionsOf<D> & Options;
  const name = typeof spec?.name === 'string' ? spec.name : '(unnamed)';
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new OptimizerDefinitionError(`defineOptimizer "${name}": ${field} = ${show(value)}; expected ${expected}`);
  };
  if (typeof spec !== 'object' || spec === null) bad('definition', spec, 'an object { name, options, init, update }');
  if (!LABEL.test(name)) bad('name', spec.name, 'a label: letters, digits and _ . + - (starting with a letter or digit, at most 64 characters)');
  if (typeof spec.options !== 'object' || spec.options === null) bad('options', spec.options, 'an object { option: { default, min?, max? } }');
  if (typeof spec.options.lr?.default !== 'number') bad('options.lr', spec.options.lr, '{ default: a learning rate, min: 0 }: every optimizer has one');
  for (const f of ['init', 'update'] as const) if (typeof spec[f] !== 'function') bad(f, spec[f], 'a function');
  const range = spec.lrRange ?? [1e-4, 1];
  if (!(Array.isArray(range) && range.length === 2 && range[0] > 0 && range[1] > range[0])) bad('lrRange', spec.lrRange, '[min, max] with 0 < min < max');
  const schema = Object.fromEntries(Object.entries(spec.options).map(([k, d]) => [k, specOf(name, k, d as OptionDefinition)])) as {
    [K in keyof O]: OptionSpec;
  };
  const defaults = Object.fromEntries(Object.entries(spec.options).map(([k, d]) => [k, (d as OptionDefinition).default])) as unknown as O;
  const definition: OptimizerDefinition<O, State<S>> = {
    name,
    description: spec.description ?? `${name} (defined by the suite)`,
    defaults,
    schema,
    lrRange: [range[0], range[1]],
    check: spec.check as ((o: O) => string | undefined) | undefined,
    init: (size, o, _arena, shape, role) => {
      const tensor = { size, shape, role };
      return { user: spec.init(tensor, o), tensor, before: new Float32Array(size) };
    },
    update(p, g, s, o, lr, t) {
      s.before.set(p);
      spec.update({ param: p, grad: g, state: s.user, options: o, lr, step: t, tensor: s.tensor });
      let sq = 0;
      for (let i = 0; i < p.length; i++) sq += (p[i]! - s.before[i]!) ** 2;
      return sq;
    },
  };
  registerOptimizer(definition as unknown as OptimizerDefinition<Options, unknown>);
  return definition as typeof definition & { readonly name: DefinedOptimizerName };
}

/**
 * Element-wise loops an update is usually made of, in float32 like the tensors (plain
 * loops that V8 compiles to tight machine code; the built-in optimizers' WebAssembly SIMD
 * kernels are not part of this contract).
 */
export const tensorOps = {
  /** m ← β·m + (1-β)·x (an exponential moving average, as torch's lerp_(x, 1-β)). */
  ema(m: Float32Array, x: Float32Array, beta: number): void {
    for (let i = 0; i < m.length; i++) m[i] = beta * m[i]! + (1 - beta) * x[i]!;
  },
  /** y ← y + a·x. */
  axpy(y: Float32Array, a: number, x: Float32Array): void {
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
  },
  /** x ← a·x. */
  scale(x: Float32Array, a: number): void {
    for (let i = 0; i < x.length; i++) x[i] = a * x[i]!;
  },
  /** out ← sign(x): 1, -1, or 0 (NaN stays NaN), as torch.sign. */
  sign(out: Float32Array, x: Float32Array): void {
    for (let i = 0; i < out.length; i++) {
      const v = x[i]!;
      out[i] = v > 0 ? 1 : v < 0 ? -1 : v;
    }
  },
};
