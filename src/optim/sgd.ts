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
    const { momentum: mu, dampening, nesterov, weightDecay: wd } = o;
    const buf = s.buf;
    let sq = 0;
    for (let i = 0; i < p.length; i++) {
      const old = p[i]!;
      let d = Math.fround(g[i]! + wd * old);
      if (buf) {
        const b = (buf[i] = Math.fround(t === 1 ? d : mu * buf[i]! + (1 - dampening) * d));
        d = nesterov ? d + mu * b : b;
      }
      const next = (p[i] = Math.fround(old - lr * d));
      sq += (next - old) ** 2;
    }
    return sq;
  },
};
