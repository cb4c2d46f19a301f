// Nightly on colour images: CIFAR-10 (50,000 / 10,000, 3x32x32; `optrobust data fetch
// cifar10`) with the small CNN (conv32, conv64/2, conv64/2, dense10), every optimizer of the
// nightly suites, three seeds, 10 epochs, every perturbation. Wall time per cell is in
// BENCHMARKS.md.
import { defineSuite } from '../src/index.ts';
import { NIGHTLY_OPTIMIZERS, NIGHTLY_PERTURBATIONS } from './nightly.ts';

export default defineSuite({
  name: 'cifar10-cnn',
  description: 'CIFAR-10, cnn (conv32, conv64/2, conv64/2, dense10), 12 optimizers x 3 seeds, 10 epochs, every perturbation',
  dataset: 'cifar10',
  model: { kind: 'cnn' },
  batchSize: 128,
  epochs: 10,
  optimizers: NIGHTLY_OPTIMIZERS,
  seeds: [0, 1, 2],
  perturbations: NIGHTLY_PERTURBATIONS,
  reference: 'sgd',
  stepLogEvery: 10,
});
