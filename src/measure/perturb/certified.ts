// Certified accuracy: the fraction of test examples a bound method (src/core/model/bounds.ts)
// proves correctly classified at every point of the eps-ball around them within [0, 1]. A lower
// bound on the accuracy under any attack at that eps: certified <= autoattack <= apgd <= clean,
// checked per cell by the tests. A measurement, not a perturbation: the images are not changed.
import { BOUND_METHODS, type BoundName } from '../../core/model/bounds.ts';
import type { Perturbation, PerturbInput } from './perturbation.ts';

function certifier(method: BoundName) {
  return async ({ images, labels, count, gradient }: PerturbInput, eps: number): Promise<Uint8Array> => {
    if (!gradient?.marginBounds) throw new Error(`${method}: needs the model (an oracle with margin bounds)`);
    const m = await gradient.marginBounds(method, images, labels, count, eps);
    const k = m.length / count;
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      let proved = true;
      // NaN bounds prove nothing.
      for (let j = 0; j < k && proved; j++) if (j !== labels[i] && !(m[i * k + j]! > 0)) proved = false;
      out[i] = proved ? 1 : 0;
    }
    return out;
  };
}

function certified(method: BoundName, description: string, max: number): Perturbation {
  const { norm } = BOUND_METHODS[method];
  return {
    name: method,
    description,
    severity: { unit: norm === 'l2' ? 'eps (L2)' : 'eps (L-inf)', min: 0, max },
    needsGradient: true,
    apply: ({ images }) => Float32Array.from(images),
    certify: certifier(method),
  };
}

export const ibp = certified(
  'ibp',
  'certified accuracy by interval bound propagation (Gowal et al. 2018): the fraction proved robust in the L-inf eps-ball',
  1,
);
export const crown = certified(
  'crown',
  'certified accuracy by CROWN (Zhang et al. 2018, as auto_LiRPA), never looser than IBP: the fraction proved robust in the L-inf eps-ball',
  1,
);
export const crownL2 = certified(
  'crown_l2',
  'certified accuracy by CROWN (Zhang et al. 2018, as auto_LiRPA) in the L2 eps-ball: the fraction proved robust',
  100,
);
