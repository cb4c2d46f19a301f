// Schedule-free SGD and AdamW (Defazio et al., NeurIPS 2024, "The Road Less Scheduled"),
// exactly as the authors' package computes them (github.com/facebookresearch/schedule_free,
// SGDScheduleFree and AdamWScheduleFree, defaults included). Three sequences: z (the base
// steps), x (their weighted average: what is evaluated) and y = (1-β)·z + β·x, where the
// gradient is taken. The parameters hold y, and x is never stored:
//   warmup: lr_t = lr·min(1, t/warmupSteps);  lr_max = max(lr_max, lr_t)
//   c = w_t / Σw, w_t = t^r · lr_max^weightLrPower
//   SGD:   d = g + wd·y
//   AdamW: v = β2·v + (1-β2)·g²;  d = g / (sqrt(v/(1-β2ᵗ)) + eps) + wd·y
//   y = y + c·(z - y) + lr_t·(β(1-c) - 1)·d;   z -= lr_t·d
// The evaluation point (the package's `optimizer.eval()`): x = y + (1 - 1/β)·(z - y),
// computed into a fresh array so that training goes on from y unchanged (the package
// moves p to x and back, which is the same up to rounding).
// The loops run in WebAssembly SIMD (simd/kernels.wat), in float32 as the reference does.
import { betas, nonNegative, type OptimizerDefinition, type OptionSpec } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, load, set, store, old, g, type Kernel } from './simd/wat.ts';

type State = SimdState & { readonly z: Region; readonly v: Region | null; lrMax: number; weightSum: number; started: boolean };

interface Averaging {
  readonly warmupSteps: number;
  readonly r: number;
  readonly weightLrPower: number;
}

const averagingSchema = { warmupSteps: { type: 'number', min: 0 } as OptionSpec, r: nonNegative, weightLrPower: nonNegative };

/** The scheduled lr and the averaging coefficient c of step t (1-based), advancing the state's sums. */
function averaging(s: State, o: Averaging, lr: number, t: number): { lr: number; c: number } {
  const k = t - 1;
  const scheduled = lr * (k < o.warmupSteps ? (k + 1) / o.warmupSteps : 1);
  s.lrMax = Math.max(scheduled, s.lrMax);
  const weight = (k + 1) ** o.r * s.lrMax ** o.weightLrPower;
  s.weightSum += weight;
  return { lr: scheduled, c: s.weightSum === 0 ? 0 : weight / s.weightSum };
}

function initState(arena: SimdState['arena'], n: number, adaptive: boolean): State {
  const base = simdState(arena, n, { z: n, v: adaptive ? n : 0 });
  return { ...base, z: base.z!, v: base.v, lrMax: -1, weightSum: 0, started: false };
}

/** z starts at the initial parameters (the package clones p at the first step). */
function startZ(s: State, p: Float32Array): void {
  if (!s.started) s.z.array.set(p);
  s.started = true;
}

/** x = y + (1 - 1/β)·(z - y), in float32. */
function evaluationPoint(y: Float32Array, s: State, beta: number): Float32Array {
  if (!s.started) return Float32Array.from(y);
  const f = Math.fround;
  const w = f(1 - 1 / beta);
  const z = s.z.array;
  const x = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) x[i] = f(y[i]! + f(w * f(z[i]! - y[i]!)));
  return x;
}

export interface ScheduleFreeSgdOptions extends Averaging {
  readonly [k: string]: number;
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
}

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const schedulefreeSgdKernel: Kernel = {
  name: 'schedulefree_sgd',
  doc: [
    'Schedule-free SGD (facebookresearch/schedule_free SGDScheduleFree): d = g + wd·y;',
    'y = y + c·(z - y) + ylr·d, ylr = lr·(β(1-c) - 1); z -= lr·d. p holds y.',
  ].join('\n'),
  streams: ['z'],
  scalars: [
    ['wd', 'f32'],
    ['ckp1', 'f32'],
    ['ylr', 'f32'],
    ['lr', 'f32'],
  ],
  temps: ['d', 'zi'],
  body: [
    set('d', add(g, mul(v('wd'), old))),
    set('zi', load('z')),
    set('next', add(add(old, mul(v('ckp1'), sub(t('zi'), old))), mul(v('ylr'), t('d')))),
    store('z', sub(t('zi'), mul(v('lr'), t('d')))),
  ],
};

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const schedulefreeAdamwKernel: Kernel = {
  name: 'schedulefree_adamw',
  doc: [
    'Schedule-free AdamW (AdamWScheduleFree): v = β2·v + (1-β2)·g²; d = g / (sqrt(v / (1-β2ᵗ)) + eps) + wd·y;',
    'y = y + c·(z - y) + ylr·d, ylr = lr·(β1(1-c) - 1); z -= lr·d. p holds y.',
  ].join('\n'),
  streams: ['z', 'v'],
  scalars: [
    ['b2', 'f32'],
    ['c2', 'f32'],
    ['bc2', 'f32'],
    ['eps', 'f32'],
    ['wd', 'f32'],
    ['ckp1', 'f32'],
    ['ylr', 'f32'],
    ['lr', 'f32'],
  ],
  temps: ['vi', 'd', 'zi'],
  body: [
    set('vi', add(mul(load('v'), v('b2')), mul(v('c2'), mul(g, g)))),
    store('v', t('vi')),
    set('d', add(div(g, add(sqrt(div(t('vi'), v('bc2'))), v('eps'))), mul(v('wd'), old))),
    set('zi', load('z')),
    set('next', add(add(old, mul(v('ckp1'), sub(t('zi'), old))), mul(v('ylr'), t('d')))),
    store('z', sub(t('zi'), mul(v('lr'), t('d')))),
  ],
};

export const schedulefreeSgd: OptimizerDefinition<ScheduleFreeSgdOptions, State> = {
  name: 'schedulefree_sgd',
  kernels: [schedulefreeSgdKernel],
  description: 'Schedule-free SGD (Defazio et al. 2024): evaluated at the running average of its iterates',
  lrRange: [1e-3, 10],
  defaults: { lr: 1, momentum: 0.9, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2 },
  schema: { lr: nonNegative, momentum: { type: 'number', min: 0, max: 1, maxExclusive: true }, weightDecay: nonNegative, ...averagingSchema },
  check: (o) =>
    o.momentum <= 0 ? `option "momentum" = ${o.momentum} is invalid; expected a number in (0, 1) (the evaluation point divides by it)` : undefined,
  init: (n, _o, arena) => initState(arena(), n, false),
  update(p, g, s, o, lr, t) {
    startZ(s, p);
    const a = averaging(s, o, lr, t);
    return simdStep(s, p, g, (k) =>
      k.schedulefree_sgd(s.p.offset, s.g.offset, at(s.z), p.length, o.weightDecay, a.c, a.lr * (o.momentum * (1 - a.c) - 1), a.lr),
    );
  },
  home: (s) => s.p.array,
  evaluationPoint: (p, s, o) => evaluationPoint(p, s, o.momentum),
};

export interface ScheduleFreeAdamwOptions extends Averaging {
  readonly [k: string]: number | readonly [number, number];
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

export const schedulefreeAdamw: OptimizerDefinition<ScheduleFreeAdamwOptions, State> = {
  name: 'schedulefree_adamw',
  kernels: [schedulefreeAdamwKernel],
  description: 'Schedule-free AdamW (Defazio et al. 2024): evaluated at the running average of its iterates',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 0.0025, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2 },
  schema: { lr: nonNegative, betas, eps: nonNegative, weightDecay: nonNegative, ...averagingSchema },
  check: (o) =>
    o.betas[0] <= 0 ? `option "betas" = [${o.betas.join(', ')}] is invalid; beta1 must be in (0, 1) (the evaluation point divides by it)` : undefined,
  init: (n, _o, arena) => initState(arena(), n, true),
  update(p, g, s, o, lr, t) {
    startZ(s, p);
    const [b1, b2] = o.betas;
    const a = averaging(s, o, lr, t);
    return simdStep(s, p, g, (k) =>
      k.schedulefree_adamw(
        s.p.offset,
        s.g.offset,
        at(s.z),
        at(s.v),
        p.length,
        b2,
        1 - b2,
        1 - b2 ** t,
        o.eps,
        o.weightDecay,
        a.c,
        a.lr * (b1 * (1 - a.c) - 1),
        a.lr,
      ),
    );
  },
  home: (s) => s.p.array,
  evaluationPoint: (p, s, o) => evaluationPoint(p, s, o.betas[0]),
};
