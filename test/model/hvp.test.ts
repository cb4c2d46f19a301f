// Exact Hessian-vector products (forward mode over the training graph, Network.hvp) against
// PyTorch's double backward in float64 (scripts/reference/hvp_reference.py), on ReLU, leaky-ReLU,
// GELU + batch-norm MLPs, LeNet-5 (max-pooling) and a ResNet-8 (batch norm, residual sums,
// option-A shortcuts): per parameter tensor, the norm of (Hv)ₖ and its projection on a second
// direction u, and vᵀHv; and the top eigenvalue sharpness() finds, within the 2%.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HVP_REFERENCES } from '../helpers/reference-runs.ts';
import { hvpCase } from '../helpers/hvp-case.ts';
import { sharpness } from '../../src/measure/metrics/sharpness.ts';

interface Reference {
  readonly loss: number;
  readonly vHv: number;
  readonly norms: readonly number[];
  readonly projections: readonly number[];
  readonly top_eigenvalue?: number;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'hvp-reference.json'), 'utf8')) as Record<string, Reference>;
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('Hessian-vector products against PyTorch (float64 double backward)', () => {
  for (const ref of HVP_REFERENCES) {
    it(`${ref.name}: every tensor's (Hv)ₖ norm and projection, and vᵀHv, to float32 accuracy`, async () => {
      const want = fixture[ref.name]!;
      const c = await hvpCase(ref);
      const n = c.y.length;
      const step = await c.net.trainStep(c.weights, c.x, c.y, n);
      expect(Math.abs(step.loss - want.loss) / want.loss, 'the same model, weights and examples').toBeLessThan(1e-5);
      const hv = await c.net.hvp(c.weights, c.v, c.x, c.y, n);
      const total = Math.sqrt(want.norms.reduce((a, b) => a + b * b, 0));
      hv.forEach((t, k) => {
        const name = c.net.params[k]!.name;
        const norm = Math.sqrt(dot(t, t));
        // Relative to the tensor's own norm, or to the whole product's for tensors that hold almost none of it.
        expect(Math.abs(norm - want.norms[k]!), `‖(Hv)‖ of ${name}`).toBeLessThanOrEqual(1e-4 * Math.max(want.norms[k]!, 1e-2 * total));
        expect(Math.abs(dot(c.u[k]!, t) - want.projections[k]!), `u·(Hv) of ${name}`).toBeLessThanOrEqual(1e-4 * Math.max(want.norms[k]!, 1e-2 * total));
      });
      const vHv = hv.reduce((a, t, k) => a + dot(c.v[k]!, t), 0);
      expect(Math.abs(vHv - want.vHv)).toBeLessThanOrEqual(1e-4 * total);
      if (want.top_eigenvalue !== undefined) {
        const s = await sharpness(c.net, c.weights, c.data, { examples: ref.examples, iterations: 100, samples: 2, seed: ref.seed });
        expect(Math.abs(s.topEigenvalue - want.top_eigenvalue) / want.top_eigenvalue).toBeLessThanOrEqual(0.02);
      }
      await c.net.release();
    }, 180_000);
  }
});
