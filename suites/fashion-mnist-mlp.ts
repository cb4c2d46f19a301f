// Nightly: the full Fashion-MNIST (60,000 / 10,000) with the MLP.
import { defineSuite } from '../src/index.ts';
import { NIGHTLY_OPTIMIZERS, NIGHTLY_PERTURBATIONS } from './nightly.ts';

export default defineSuite({
  name: 'fashion-mnist-mlp',
  description: 'full Fashion-MNIST, mlp [256, 128], 12 optimizers x 5 seeds, 10 epochs, every perturbation',
  dataset: 'fashion-mnist',
  model: { kind: 'mlp', hidden: [256, 128] },
  batchSize: 128,
  epochs: 10,
  optimizers: NIGHTLY_OPTIMIZERS,
  seeds: [0, 1, 2, 3, 4],
  perturbations: NIGHTLY_PERTURBATIONS,
  reference: 'sgd',
  stepLogEvery: 10,
});
