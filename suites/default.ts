// What `npm run bench` runs: the embedded Fashion-MNIST subset, an MLP, seven common
// optimizers at learning rates that suit each on this problem, three seeds.
import { defineSuite } from '../src/index.ts';

/** The default sweep: noise, FGSM and rotation at a few severities each (suites that measure something else on the same ruler reuse it). */
export const DEFAULT_SWEEPS = {
  gaussian_noise: [0.1, 0.2, 0.3, 0.5],
  fgsm: [0.01, 0.03, 0.05, 0.1],
  rotation: [15, 30, 45, 60, 90],
};

export default defineSuite({
  name: 'default',
  description: 'Fashion-MNIST subset, mlp [256, 128], 7 optimizers x 3 seeds, 10 epochs: noise, FGSM and rotation robustness',
  dataset: 'fashion-mnist-subset',
  model: { kind: 'mlp', hidden: [256, 128] },
  batchSize: 128,
  epochs: 10,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { label: 'momentum', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
    { label: 'nesterov', name: 'sgd', options: { lr: 0.01, momentum: 0.9, nesterov: true } },
    { name: 'rmsprop', options: { lr: 1e-3 } },
    { name: 'adagrad', options: { lr: 0.02 } },
    { name: 'adam', options: { lr: 1e-3 } },
    { name: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } },
  ],
  seeds: [0, 1, 2],
  perturbations: DEFAULT_SWEEPS,
  reference: 'sgd',
});
