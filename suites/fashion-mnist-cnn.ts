// Nightly: the full Fashion-MNIST (60,000 / 10,000) with the small CNN.
import { defineSuite } from '../src/index.ts';
import { NIGHTLY_OPTIMIZERS, NIGHTLY_PERTURBATIONS } from './nightly.ts';

export default defineSuite({
  name: 'fashion-mnist-cnn',
  description: 'full Fashion-MNIST, cnn (conv32, conv64/2, conv64/2, dense10), 12 optimizers x 5 seeds, 10 epochs, every perturbation',
  dataset: 'fashion-mnist',
  model: { kind: 'cnn' },
  batchSize: 128,
  epochs: 10,
  optimizers: NIGHTLY_OPTIMIZERS,
  seeds: [0, 1, 2, 3, 4],
  perturbations: NIGHTLY_PERTURBATIONS,
  reference: 'sgd',
  stepLogEvery: 10,
});
