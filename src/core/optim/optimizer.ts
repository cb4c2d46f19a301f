// The optimizer contract, optax-style: each optimizer is a small definition (defaults,
// an option schema, per-tensor state `init`, and one fused `update` loop per tensor)
// and `createOptimizer` turns a definition plus user options into a stateful object
// with torch.optim's step semantics.
import type { Dimension } from './space.ts';
import { Arena, Region } from './simd/arena.ts';
import { InputError, show } from '../../errors.ts';
import type { TensorRole } from '../model/layer.ts';
import type { KernelSource } from './simd/wat.ts';
import { captureState, restoreState } from './state.ts';

export type { TensorRole };

export type OptionValue = number | boolean | readonly [number, number];
export type Options = Readonly<Record<string, OptionValue>>;

/** How an option is checked: numbers against a range, booleans by type, betas pairwise in [0, 1). */
export type OptionSpec =
  | { readonly type: 'number'; readonly min?: number; readonly max?: number; readonly maxExclusive?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'betas' };

export const nonNegative: OptionSpec = { type: 'number', min: 0 };
export const unitInterval: OptionSpec = { type: 'number', min: 0, max: 1 };
export const flag: OptionSpec = { type: 'boolean' };
export const betas: OptionSpec = { type: 'betas' };

/** The options of the Adam family (Adamax and RAdam use them as they are; others add to them). */
export interface MomentOptions {
  readonly [k: string]: OptionValue;
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

export const momentSchema = { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative } as const;

export interface OptimizerDefinition<O extends Options, S> {
  /** Its SIMD kernels (src/core/optim/simd/wat.ts), compiled into the shared module by scripts/build-kernels.ts. */
  readonly kernels?: readonly KernelSource[];
  readonly name: string;
  /** One line for --help and reports. */
  readonly description: string;
  readonly defaults: O;
  readonly schema: { readonly [K in keyof O]: OptionSpec };
  /** Default learning-rate range [min, max] searched by the tuner (log-spaced). */
  readonly lrRange: readonly [number, number];
  /** The tuner's search space where it differs from the rules of space.ts (decoupled weight decay's range). */
  readonly space?: Readonly<Record<string, Dimension>>;
  /** Cross-option rules (e.g. nesterov needs momentum); returns a message when violated. */
  readonly check?: (o: O) => string | undefined;
  /**
   * Per-tensor state, created at the tensor's first step; SIMD optimizers keep it in the
   * optimizer's arena. `shape` is the tensor's PyTorch shape when the caller gave shapes
   * (`adopt`), else [size] (the optimizers that factor or orthogonalise matrices read it);
   * `role` what the tensor is in the network, when the caller said ('hidden' otherwise).
   */
  init(size: number, o: O, arena: () => Arena, shape: readonly number[], role: TensorRole): S;
  /**
   * One fused pass over a tensor: updates `p` in place from `g`, with the scheduled
   * learning rate `lr` and the 1-based step `t`. Returns Σ(Δp)² for the update norm.
   */
  update(p: Float32Array, g: Float32Array, state: S, o: O, lr: number, t: number): number;
  /**
   * Where `update` keeps a tensor's parameters (the SIMD optimizers: a region of their
   * arena). `update` is handed this very array after `Optimizer.adopt`, and then skips
   * copying the parameters in and out.
   */
  home?(state: S): Float32Array;
  /**
   * An asynchronous stage over every tensor before the per-tensor `update`s (Muon's
   * orthogonalisation, which runs its matrix products in onnxruntime). An optimizer with
   * one steps through `Optimizer.stepAsync` only.
   */
  prepare?(grads: readonly Float32Array[], states: readonly S[], o: O, t: number): Promise<void>;
  /**
   * The weights to evaluate and attack when they are not the ones the gradient is taken at
   * (schedule-free's averaged sequence x, beside the gradient point y): a fresh array.
   */
  evaluationPoint?(p: Float32Array, state: S, o: O): Float32Array;
  /**
   * A curvature estimate from the trainer (Sophia-G's Gauss-Newton-Bartlett estimator): after
   * step t, whether it wants the gradient of the loss on labels sampled from the model's own
   * predictions at the new weights (`due`), and how that gradient enters the state (`absorb`;
   * `batch` is the number of examples the gradient averages over).
   */
  readonly curvature?: {
    due(o: O, t: number): boolean;
    absorb(grads: readonly Float32Array[], states: readonly S[], o: O, batch: number): void;
  };
  /** What the authors' training loop does beyond the update (Sophia-G's), from the options. */
  loop?(o: O): TrainingLoop;
}

/** What a trainer does around an optimizer's steps, as its authors' loop does it. */
export interface TrainingLoop {
  /** The global L2 norm the step's gradient (and a curvature estimate's) is clipped to (clip_grad_norm_); 0: none. */
  readonly clip: number;
  /** Whether a curvature estimate is taken on a fresh batch drawn from the training set rather than on the step's own. */
  readonly freshCurvatureBatch: boolean;
}

export interface Optimizer {
  readonly name: string;
  /** The resolved options (defaults merged with the user's). */
  readonly options: Options;
  /** The learning rate used by the next step; schedules set it before each step. */
  lr: number;
  /** Steps taken so far. */
  readonly steps: number;
  /** Updates `params` in place; returns the L2 norm of the whole update. Throws for an optimizer that must step asynchronously. */
  step(params: readonly Float32Array[], grads: readonly Float32Array[]): number;
  /** `step` for every optimizer, including those with an asynchronous stage (Muon). */
  stepAsync(params: readonly Float32Array[], grads: readonly Float32Array[]): Promise<number>;
  /** Whether `step` is unavailable and `stepAsync` must be used. */
  readonly asynchronous: boolean;
  /**
   * The weights to evaluate for `params` (the arrays themselves for every optimizer but the
   * schedule-free ones, whose evaluation point is an average of their iterates).
   */
  evaluationParams(params: readonly Float32Array[]): readonly Float32Array[];
  /** After a step: whether the optimizer wants a sampled-label gradient now (`absorbCurvature`). */
  readonly curvatureDue: boolean;
  /** What the trainer does around the steps (its authors' loop: gradient clipping, a fresh curvature batch). */
  readonly loop: TrainingLoop;
  /** Hands the optimizer the gradient of the batch-mean loss on labels sampled from the model's predictions over `batch` examples. */
  absorbCurvature(grads: readonly Float32Array[], batch: number): void;
  /** Σ(Δp)² of each tensor in the last step (per-layer diagnostics). */
  readonly tensorUpdateSq: readonly number[];
  /**
   * The optimizer's own copy of `params`, stored where its update loop reads them (the
   * SIMD optimizers' WebAssembly arena; fresh arrays otherwise). Stepping these instead of
   * the originals saves copying every parameter in and out of the arena at each step (for
   * the MLP [1024,1024], 30 MB of memory traffic). Call once, before the first step.
   * `shapes` (PyTorch's, e.g. [out, in] for a dense weight) lets Adafactor and Muon treat
   * matrices as matrices; without them every tensor is a vector. `roles` marks the
   * classifier head's tensors (Muon leaves those to its fallback).
   */
  adopt(params: readonly Float32Array[], shapes?: readonly (readonly number[])[], roles?: readonly TensorRole[]): Float32Array[];
  /**
   * The steps taken and every tensor's state, as data (a mid-cell checkpoint keeps it); the
   * parameters themselves are not in it. Throws StateNotCapturable for a state that is not data.
   */
  saveState(): OptimizerState;
  /** Continues from `saveState`'s data: after `adopt` (given the checkpoint's parameters), before any step. */
  loadState(state: OptimizerState): void;
}

/** What `Optimizer.saveState` captures. */
export interface OptimizerState {
  readonly name: string;
  readonly steps: number;
  readonly tensors: readonly unknown[];
}

export class OptionError extends InputError {}

function describeRange(spec: OptionSpec): string {
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'betas') return 'a pair [beta1, beta2], each in [0, 1)';
  const lo = spec.min === undefined ? '(-inf' : `[${spec.min}`;
  const hi = spec.max === undefined ? 'inf)' : `${spec.max}${spec.maxExclusive ? ')' : ']'}`;
  return `a finite number in ${lo}, ${hi}`;
}

function valid(spec: OptionSpec, v: unknown): boolean {
  if (spec.type === 'boolean') return typeof v === 'boolean';
  if (spec.type === 'betas') {
    return Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === 'number' && b >= 0 && b < 1);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (spec.min !== undefined && v < spec.min) return false;
  if (spec.max !== undefined && (spec.maxExclusive ? v >= spec.max : v > spec.max)) return false;
  return true;
}

/** Merges and validates options; every message names the optimizer, the option, the value and the allowed range. */
export function resolveOptions<O extends Options>(def: OptimizerDefinition<O, unknown>, user: Readonly<Record<string, unknown>>): O {
  for (const key of Object.keys(user)) {
    if (!Object.hasOwn(def.schema, key)) {
      throw new OptionError(`${def.name}: unknown option "${key}"; known options: ${Object.keys(def.schema).join(', ')}`);
    }
  }
  const merged = { ...def.defaults, ...user } as O;
  for (const [key, spec] of Object.entries(def.schema) as [string, OptionSpec][]) {
    const v = merged[key];
    if (!valid(spec, v)) throw new OptionError(`${def.name}: option "${key}" = ${show(v)} is invalid; expected ${describeRange(spec)}`);
  }
  const problem = def.check?.(merged);
  if (problem) throw new OptionError(`${def.name}: ${problem}`);
  return merged;
}

export function instantiate<O extends Options, S>(def: OptimizerDefinition<O, S>, user: Readonly<Record<string, unknown>>): Optimizer {
  const o = resolveOptions(def, user);
  let states: S[] | undefined;
  let t = 0;
  let tensorSq: number[] = [];
  let arena: Arena | undefined;
  const getArena = () => (arena ??= new Arena());
  let shapes: readonly (readonly number[])[] | undefined;
  let roles: readonly TensorRole[] | undefined;
  let busy = false;
  const initStates = (params: readonly Float32Array[]) =>
    params.map((p, i) => def.init(p.length, o, getArena, shapes?.[i] ?? [p.length], roles?.[i] ?? 'hidden'));
  const check = (params: readonly Float32Array[], grads: readonly Float32Array[]) => {
    if (params.length !== grads.length) throw new Error(`${def.name}.step: ${params.length} parameter tensors but ${grads.length} gradients`);
    states ??= initStates(params);
    if (states.length !== params.length) throw new Error(`${def.name}.step: called with ${params.length} tensors, state holds ${states.length}`);
    params.forEach((p, i) => {
      if (p.length !== grads[i]!.length) throw new Error(`${def.name}.step: tensor ${i} has ${p.length} values but its gradient ${grads[i]!.length}`);
    });
    return states;
  };
  const apply = (params: readonly Float32Array[], grads: readonly Float32Array[], st: S[], lr: number) => {
    let sq = 0;
    tensorSq = new Array<number>(params.length);
    for (let i = 0; i < params.length; i++) sq += tensorSq[i] = def.update(params[i]!, grads[i]!, st[i]!, o, lr, t);
    return Math.sqrt(sq);
  };
  return {
    name: def.name,
    options: o,
    loop: def.loop?.(o) ?? { clip: 0, freshCurvatureBatch: false },
    lr: o.lr as number,
    get steps() {
      return t;
    },
    get tensorUpdateSq() {
      return tensorSq;
    },
    get asynchronous() {
      return def.prepare !== undefined;
    },
    adopt(params, given, givenRoles) {
      if (states) throw new Error(`${def.name}.adopt: call it before the first step`);
      if (givenRoles && givenRoles.length !== params.length) throw new Error(`${def.name}.adopt: ${givenRoles.length} roles for ${params.length} tensors`);
      roles = givenRoles;
      if (given) {
        given.forEach((shape, i) => {
          const n = shape.reduce((a, b) => a * b, 1);
          if (n !== params[i]?.length)
            throw new Error(`${def.name}.adopt: shape [${shape.join(', ')}] of tensor ${i} holds ${n} values, the tensor ${params[i]?.length}`);
        });
        shapes = given;
      }
      const fresh = (states = initStates(params));
      return params.map((p, i) => {
        const home = def.home?.(fresh[i]!) ?? new Float32Array(p.length);
        home.set(p);
        return home;
      });
    },
    step(params, grads) {
      if (def.prepare) throw new Error(`${def.name}.step: this optimizer has an asynchronous stage; call stepAsync`);
      const st = check(params, grads);
      t++;
      return apply(params, grads, st, this.lr);
    },
    async stepAsync(params, grads) {
      // Steps share per-tensor state between the two stages: one at a time.
      if (busy) throw new Error(`${def.name}.stepAsync: the previous step has not finished (await it first)`);
      const st = check(params, grads);
      const lr = this.lr;
      t++;
      busy = true;
      try {
        await def.prepare?.(grads, st, o, t);
        return apply(params, grads, st, lr);
      } finally {
        busy = false;
      }
    },
    get curvatureDue() {
      return t > 0 && def.curvature !== undefined && def.curvature.due(o, t);
    },
    absorbCurvature(grads, batch) {
      if (!def.curvature) throw new Error(`${def.name}.absorbCurvature: this optimizer takes no curvature estimate`);
      if (!states) throw new Error(`${def.name}.absorbCurvature: call it after a step`);
      if (grads.length !== states.length) throw new Error(`${def.name}.absorbCurvature: ${grads.length} gradients, state holds ${states.length} tensors`);
      def.curvature.absorb(grads, states, o, batch);
    },
    saveState() {
      // The parameters' home (a region whose view `home` returns) is the weights, kept apart.
      const homes = new Set((states ?? []).map((st) => def.home?.(st)));
      const skip = new Set<unknown>();
      for (const st of states ?? []) for (const v of Object.values(st as object)) if (v instanceof Region && homes.has(v.array)) skip.add(v);
      return { name: def.name, steps: t, tensors: (states ?? []).map((st, i) => captureState(st, `${def.name} state of tensor ${i}`, skip)) };
    },
    loadState(saved) {
      if (!states) throw new Error(`${def.name}.loadState: call adopt first`);
      if (t !== 0) throw new Error(`${def.name}.loadState: call it before the first step`);
      if (saved.name !== def.name || saved.tensors.length !== states.length)
        throw new Error(`${def.name}.loadState: the state is ${saved.name}'s for ${saved.tensors.length} tensors, this optimizer has ${states.length}`);
      states = states.map((st, i) => restoreState(st, saved.tensors[i]) as S);
      t = saved.steps;
    },
    evaluationParams(params) {
      const point = def.evaluationPoint;
      if (!point || !states) return params;
      return params.map((p, i) => point(p, states![i]!, o));
    },
  };
}
