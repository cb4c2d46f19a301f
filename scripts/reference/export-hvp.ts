// Exports the Hessian-vector-product reference cases (test/helpers/reference-runs.ts
// HVP_REFERENCES: weights, the measured examples, the directions v and u) for
// scripts/reference/hvp_reference.py (PyTorch's double backward, float64).
// Run: node --import tsx scripts/reference/export-hvp.ts OUT.json
import { writeFileSync } from 'node:fs';
import { HVP_REFERENCES } from '../../test/helpers/reference-runs.ts';
import { hvpCase } from '../../test/helpers/hvp-case.ts';

const b64 = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64');
const out: Record<string, unknown> = {};
for (const ref of HVP_REFERENCES) {
  const c = await hvpCase(ref);
  out[ref.name] = {
    ...ref,
    tensors: [...c.net.params, ...c.net.buffers].map((p) => ({ name: p.name, shape: p.shape })),
    params: c.net.params.length,
    subset: Array.from(c.subset),
    weights: c.weights.map(b64),
    v: c.v.map(b64),
    u: c.u.map(b64),
  };
  await c.net.release();
}
writeFileSync(process.argv[2] ?? 'hvp.json', JSON.stringify(out));
