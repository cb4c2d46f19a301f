// Muon (Jordan et al. 2024, "Muon: an optimizer for hidden layers"), as the authors'
// SingleDeviceMuonWithAuxAdam computes it (github.com/KellerJordan/Muon, muon.py, its
// defaults). Matrices (every tensor of 2+ dimensions; a convolution kernel [co, ci, kh, kw]
// viewed as [co, ci·kh·kw], as the authors do) take the Muon step:
//   m = lerp(m, g, 1-μ);  u = nesterov ? lerp(g, m, μ) : m
//   O = NewtonSchulz5(u)  (newton-schulz.ts);  s = sqrt(max(1, size(-2)/size(-1)))
//   p *= 1 - lr·wd;  p -= lr·s·O
// (s reads the tensor's last two dimensions as the reference does: kh/kw for a kernel.)
// The classifier head (the output layer's weight), biases, gains and other vectors take the
// fallback, as the authors prescribe ("Muon is an optimizer for the hidden weights of a neural
// network. Other parameters, such as embeddings, classifier heads, and hidden gains/biases
// should be optimized using standard AdamW"), the reference's adam_update:
//   m = lerp(m, g, 1-β1);  v = lerp(v, g², 1-β2);  p *= 1 - lr_a·wd_a;  p -= lr_a·(m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + eps)
// with its own options (adamLr, adamBetas, adamEps, adamWeightDecay; lr_a follows any
// schedule as lr does: lr_a = adamLr·lr_t/lr). Needs the tensors' shapes (Optimizer.adopt);
// without them every tensor takes the fallback. The orthogonalisation runs in onnxruntime,
// in float32 by default or with `bfloat16: true` as the reference runs it (then the scaled
// update, a bfloat16 tensor in the reference, is rounded to bfloat16 too); the elementwise
// parts in scalar JavaScript.
import { DECOUPLED_DECAY } from './space.ts';
import { betas, flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';
import { lerp32 } from './lerp.ts';
import { toBfloat16, orthogonalise } from './newton-schulz.ts';

export interface MuonOptions {
  readonly [k: string]: number | boolean | readonly [number, number];
  readonly lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly nsSteps: number;
  readonly weightDecay: number;
  readonly adamLr: number;
  readonly adamBetas: readonly [number, number];
  readonly adamEps: number;
  readonly adamWeightDecay: number;
  readonly bfloat16: boolean;
}

interface State {
  /** [rows, cols] of the matrix view; null for a tensor on the fallback. */
  readonly matrix: readonly [number, number] | null;
  /** sqrt(max(1, size(-2)/size(-1))). */
  readonly scale: number;
  readonly m: Float32Array;
  readonly v: Float32Array | null;
  /** The orthogonalised update of the current step (from `prepare`). */
  orthogonal: Float32Array | null;
}

const f = Math.fround;

export const muon: OptimizerDefinition<MuonOptions, State> = {
  name: 'muon',
  description: 'Muon (Jordan et al. 2024): momentum orthogonalised by Newton-Schulz for matrices, Adam for vectors',
  lrRange: [1e-4, 1],
  space: { weightDecay: DECOUPLED_DECAY },
  defaults: {
    lr: 0.02,
    momentum: 0.95,
    nesterov: true,
    nsSteps: 5,
    weightDecay: 0,
    adamLr: 3e-4,
    adamBetas: [0.9, 0.95],
    adamEps: 1e-10,
    adamWeightDecay: 0,
    bfloat16: false,
  },
  schema: {
    lr: nonNegative,
    momentum: { type: 'number', min: 0, max: 1, maxExclusive: true },
    nesterov: flag,
    nsSteps: { type: 'number', min: 0, max: 20 },
    weightDecay: nonNegative,
    adamLr: nonNegative,
    adamBetas: betas,
    adamEps: nonNegative,
    adamWeightDecay: nonNegative,
    bfloat16: flag,
  },
  check: (o) => (Number.isInteger(o.nsSteps) ? undefined : `option "nsSteps" = ${o.nsSteps} is invalid; expected a whole number of Newton-Schulz steps`),
  init(n, _o, _arena, shape, role) {
    const orthogonalised = shape.length >= 2 && role !== 'head';
    const matrix = orthogonalised ? ([shape[0]!, n / shape[0]!] as const) : null;
    const scale = orthogonalised ? Math.sqrt(Math.max(1, shape[shape.length - 2]! / shape[shape.length - 1]!)) : 1;
    return { matrix, scale, m: new Float32Array(n), v: matrix ? null : new Float32Array(n), orthogonal: null };
  },
  async prepare(grads, states, o) {
    const mu = o.momentum;
    await Promise.all(
      states.map(async (s, k) => {
        if (!s.matrix) return;
        const g = grads[k]!;
        const u = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) {
          s.m[i] = lerp32(s.m[i]!, g[i]!, 1 - mu);
          u[i] = o.nesterov ? lerp32(g[i]!, s.m[i]!, mu) : s.m[i]!;
        }
        s.orthogonal = await orthogonalise(u, s.matrix[0], s.matrix[1], o.nsSteps, o.bfloat16);
      }),
    );
  },
  update(p, g, s, o, lr, t) {
    let sq = 0;
    if (s.orthogonal) {
      const shrink = f(1 - lr * o.weightDecay);
      const x = s.orthogonal;
      const round = o.bfloat16 ? toBfloat16 : f;
      for (let i = 0; i < p.length; i++) {
        const before = p[i]!;
        p[i] = f(f(before * shrink) - f(lr * round(x[i]! * s.scale)));
        sq += (p[i]! - before) ** 2;
      }
      s.orthogonal = null;
      return sq;
    }
    const [b1, b2] = o.adamBetas;
    const lrA = o.lr > 0 ? o.adamLr * (lr / o.lr) : o.adamLr;
    const shrink = f(1 - lrA * o.adamWeightDecay);
    const bc1 = f(1 - b1 ** t);
    const bc2 = f(1 - b2 ** t);
    const v = s.v!;
    for (let i = 0; i < p.length; i++) {
      s.m[i] = lerp32(s.m[i]!, g[i]!, 1 - b1);
      v[i] = lerp32(v[i]!, f(g[i]! * g[i]!), 1 - b2);
      const u = f(f(s.m[i]! / bc1) / f(f(Math.sqrt(f(v[i]! / bc2))) + o.adamEps));
      const before = p[i]!;
      p[i] = f(f(before * shrink) - f(lrA * u));
      sq += (p[i]! - before) ** 2;
    }
    return sq;
  },
};
