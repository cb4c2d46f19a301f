// The default suite's shape, tiny: for tests and a quick check that everything runs.
import { defineSuite } from '../src/index.ts';

export default defineSuite({
  name: 'smoke',
  description: 'tiny: 512 training / 256 test images, 1 epoch, sgd and adam, 1 seed',
  dataset: 'fashion-mnist-subset',
  trainLimit: 512,
  testLimit: 256,
  model: { kind: 'mlp', hidden: [32] },
  batchSize: 64,
  epochs: 1,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { name: 'adam', options: { lr: 1e-3 } },
  ],
  seeds: [0],
  perturbations: {
    gaussian_noise: [0.1, 0.3],
    fgsm: [0.03],
    rotation: [30],
  },
  reference: 'sgd',
});
