// Certified accuracy by interval bound propagation (src/core/model/ibp.ts): the fraction of
// test examples the bounds prove correctly classified at every point of the L∞ ball of radius
// eps around them within [0, 1]. A lower bound on the accuracy under any attack at that eps:
// certified <= autoattack <= apgd <= clean, checked per cell by the tests.
import type { Perturbation, PerturbInput } from './perturbation.ts';

async function certify({ images, labels, count, gradient }: PerturbInput, eps: number): Promise<Uint8Array> {
  if (!gradient?.marginBounds) throw new Error('ibp: needs the model (an oracle with margin bounds)');
  const m = await gradient.marginBounds('ibp', images, labels, count, eps);
  const k = m.length / count;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let proved = true;
    // NaN bounds prove nothing.
    for (let j = 0; j < k && proved; j++) if (j !== labels[i] && !(m[i * k + j]! > 0)) proved = false;
    out[i] = proved ? 1 : 0;
  }
  return out;
}

export const ibp: Perturbation = {
  name: 'ibp',
  description: 'certified accuracy by interval bound propagation (Gowal et al. 2018): the fraction proved robust in the L-inf eps-ball',
  severity: { unit: 'eps (L-inf)', min: 0, max: 1 },
  needsGradient: true,
  // A measurement: the images are not changed.
  apply: ({ images }) => Float32Array.from(images),
  certify,
};
