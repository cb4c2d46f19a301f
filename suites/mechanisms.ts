// Why do optimizers differ in robustness? The default grid at matched clean accuracy (tuned
// learning rates), with the measurements the explanations in the literature point at:
// sharpness (Hessian top eigenvalue and trace), input-gradient norms, calibration under
// shift (ECE, Brier), the frequency of noise (low- and high-pass) and Fourier heat maps,
// L2 as well as L-inf attacks, APGD beside PGD, and each cell's median minimal PGD radius.
// The report's Relations section correlates them with robustness across
// optimizer x seed cells.
import { defineSuite } from '../src/index.ts';
import defaultSuite from './default.ts';

export default defineSuite({
  ...defaultSuite,
  name: 'mechanisms',
  description:
    'Fashion-MNIST subset, mlp [256, 128], the default 7 optimizers x 3 seeds, tuned and matched; sharpness, ' +
    'calibration, Fourier heat maps, low- and high-pass noise, L-inf and L2 PGD and APGD, robust radius, rotation',
  perturbations: {
    gaussian_noise: [0.1, 0.2, 0.3, 0.5],
    lowpass_noise: [2, 4, 8],
    highpass_noise: [4, 8, 12],
    fgsm: [0.01, 0.03, 0.05, 0.1],
    pgd: [0.03, 0.1],
    apgd: [0.03, 0.1],
    fgm_l2: [0.5, 1, 2],
    pgd_l2: [0.5, 1, 2],
    apgd_l2: [0.5, 1, 2],
    rotation: [15, 30, 45],
  },
  tune: { method: 'grid' },
  sharpness: {},
  robustRadius: {},
  fourier: {},
});
