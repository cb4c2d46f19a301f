// NAdam (Dozat 2016) with torch's momentum-decay schedule:
//   μt = β1·(1 - ½·0.96^(t·ψ)),  Πt = Π_{i≤t} μi
//   g += wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  d = sqrt(v/(1-β2ᵗ)) + eps
//   p -= lr·(1-μt)/(1-Πt) · g/d  +  lr·μ(t+1)/(1-Πt·μ(t+1)) · m/d
// This is torch ≥ 2.0. torch 1.13 multiplied μt into Πt twice for the second term
// (a bug fixed upstream); our fixtures are generated with that line corrected.
// torch keeps Πt as a float32 tensor; so do we.
// The loop runs in WebAssembly SIMD (simd/kernels.wat), in float32 as torch does.
import { momentSchema, nonNegative, type MomentOptions, type OptimizerDefinition } from './optimizer.ts';
import { at, simdState, simdStep, type Region, type SimdState } from './simd/arena.ts';
import { add, sub, mul, div, sqrt, v, t, set, old, g, type Kernel, adamMoments } from './simd/wat.ts';

export interface NadamOptions extends MomentOptions {
  readonly momentumDecay: number;
}

type State = SimdState & { readonly m: Region | null; readonly v: Region | null; muProduct: number };

/** Its SIMD kernel (src/core/optim/simd/wat.ts). */
export const nadamKernel: Kernel = {
  name: 'nadam',
  doc: [
    'NAdam: g += wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; d = sqrt(v / (1-β2ᵗ)) + eps;',
    'p -= cg·g/d; p -= cm·m/d (the per-step cg, cm from the momentum schedule, computed outside).',
  ].join('\n'),
  streams: ['m', 'v'],
  scalars: [
    ['b1', 'f32'],
    ['c1', 'f32'],
    ['b2', 'f32'],
    ['c2', 'f32'],
    ['bc2', 'f32'],
    ['eps', 'f32'],
    ['wd', 'f32'],
    ['cg', 'f32'],
    ['cm', 'f32'],
  ],
  temps: ['gi', 'mi', 'vi', 'd'],
  body: [
    set('gi', add(g, mul(v('wd'), old))),
    ...adamMoments,
    set('d', add(sqrt(div(t('vi'), v('bc2'))), v('eps'))),
    set('next', sub(sub(old, mul(v('cg'), div(t('gi'), t('d')))), mul(v('cm'), div(t('mi'), t('d'))))),
  ],
};

export const nadam: OptimizerDefinition<NadamOptions, State> = {
  name: 'nadam',
  kernels: [nadamKernel],
  description: 'Adam with Nesterov momentum (Dozat 2016)',
  lrRange: [1e-5, 1e-1],
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 },
  schema: { ...momentSchema, momentumDecay: nonNegative },
  init: (n, _o, arena) => ({ ...simdState(arena(), n, { m: n, v: n }), muProduct: 1 }),
  update(p, g, s, o, lr, t) {
    const [b1, b2] = o.betas;
    const psi = o.momentumDecay;
    const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
    const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
    const prod = (s.muProduct = Math.fround(s.muProduct * mu));
    const prodNext = Math.fround(prod * muNext);
    const cg = (lr * (1 - mu)) / (1 - prod);
    const cm = (lr * muNext) / (1 - prodNext);
    return simdStep(s, p, g, (k) =>
      k.nadam(s.p.offset, s.g.offset, at(s.m), at(s.v), p.length, b1, 1 - b1, b2, 1 - b2, 1 - b2 ** t, o.eps, o.weightDecay, cg, cm),
    );
  },
  home: (s) => s.p.array,
};
