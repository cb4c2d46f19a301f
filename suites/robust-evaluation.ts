// Robust accuracy as the field reports it, and what can be proved: the default model trained
// by SGD, Adam and SAM, then attacked with AutoAttack's standard ensemble (L-inf and L2) on the
// first 200 test images (RobustBench's fixed-subset practice), beside APGD-CE and Square at
// the same budgets (the gradient-masking checks compare them), and certified by IBP and CROWN.
import { defineSuite } from '../src/index.ts';
import defaultSuite from './default.ts';

export default defineSuite({
  ...defaultSuite,
  name: 'robust-evaluation',
  description:
    'Fashion-MNIST subset, mlp [256, 128], sgd/adam/sam x 3 seeds, 10 epochs; first 200 test images: AutoAttack L-inf and L2, ' +
    'APGD-CE and Square at the same eps, certified accuracy by IBP and CROWN (L-inf, L2), gradient-masking checks',
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { name: 'adam', options: { lr: 1e-3 } },
    { label: 'sam', name: 'sgd', options: { lr: 0.01, momentum: 0.9 }, sam: { rho: 0.05 } },
  ],
  testLimit: 200,
  perturbations: {
    apgd: [0.01, 0.03],
    square: [0.01, 0.03],
    autoattack: [0.01, 0.03],
    apgd_l2: [0.5, 1],
    square_l2: [0.5, 1],
    autoattack_l2: [0.5, 1],
    ibp: [0.001, 0.003, 0.01],
    crown: [0.001, 0.003, 0.01],
    crown_l2: [0.1, 0.5],
  },
});
