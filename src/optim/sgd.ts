// SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD):
//   d = g + wd·p;  b = d (first step) else μ·b + (1-τ)·d;  d = nesterov ? d + μ·b : b;  p -= lr·d
// torch 1.13 has no default lr (it is required); we use torch 2's 1e-3.
import { flag, nonNegative, type OptimizerDefinition } from './optimizer.ts';

export interface SgdOptions {
  readonly [k: string]: number | boolean;
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

export const sgd: OptimizerDefinition<SgdOptions, { buf: Float32Array | null }> = {
  name: 'sgd',
  description: 'stochastic gradient descent with optional (Nesterov) momentum',
  defaults: { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  schema: { lr: nonNegative, momentum: nonNegative, dampening: { type: 'number' }, nesterov: flag, weightDecay: nonNegative },
  check: (o) => (o.nesterov && (o.momentum <= 0 || o.dampening !== 0) ? `nesterov = true requires momentum > 0 and dampening = 0 (got momentum ${o.momentum}, dampening ${o.dampening})` : undefined),
  init: (n, o) => ({ buf: o.momentum !== 0 ? new Float32Array(n) : null }),
  update(p, g, s, o, lr, t) {
    if (s.buf === null) return plainStep(p, g, lr, o.weightDecay);
    return momentumStep(p, g, s.buf, lr, o.weightDecay, o.momentum, t === 1 ? 0 : o.dampening, t === 1, o.nesterov);
  },
};

// Two specialised top-level loops: the plain one is the hot path of most SGD runs and
// stays close to a bare read-modify-write.
function plainStep(p: Float32Array, g: Float32Array, lr: number, wd: number): number {
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    const old = p[i]!;
    const d = wd === 0 ? g[i]! : Math.fround(g[i]! + wd * old);
    const next = Math.fround(old - lr * d);
    p[i] = next;
    sq += (next - old) * (next - old);
  }
  return sq;
}

function momentumStep(p: Float32Array, g: Float32Array, buf: Float32Array, lr: number, wd: number, mu: number, dampening: number, first: boolean, nesterov: boolean): number {
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    const old = p[i]!;
    let d = Math.fround(g[i]! + wd * old);
    // torch initialises the buffer with the first gradient, undamped.
    const b = Math.fround(first ? d : mu * buf[i]! + (1 - dampening) * d);
    buf[i] = b;
    d = nesterov ? d + mu * b : b;
    const next = Math.fround(old - lr * d);
    p[i] = next;
    sq += (next - old) * (next - old);
  }
  return sq;
}
