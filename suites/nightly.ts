// Shared by the nightly suites: the full Fashion-MNIST, every optimizer, five seeds,
// and the whole perturbation set.
import { defineSuite, type ModelSpec, type OptimizerEntry, type Suite, type SuiteDefinition } from '../src/index.ts';

export const NIGHTLY_OPTIMIZERS: readonly OptimizerEntry[] = [
  { name: 'sgd', options: { lr: 0.1 } },
  { label: 'momentum', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
  { label: 'nesterov', name: 'sgd', options: { lr: 0.01, momentum: 0.9, nesterov: true } },
  { name: 'rmsprop', options: { lr: 1e-3 } },
  { name: 'adagrad', options: { lr: 0.02 } },
  { name: 'adadelta', options: { lr: 1 } },
  { name: 'adam', options: { lr: 1e-3 } },
  { name: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } },
  { name: 'adamax', options: { lr: 2e-3 } },
  { name: 'nadam', options: { lr: 1e-3 } },
  { name: 'radam', options: { lr: 1e-3 } },
  { name: 'lion', options: { lr: 1e-4 } },
];

const LEVELS = [1, 2, 3, 4, 5];

export const NIGHTLY_PERTURBATIONS: SuiteDefinition['perturbations'] = {
  gaussian_noise: [0.1, 0.2, 0.3, 0.5],
  fgsm: [0.01, 0.03, 0.05, 0.1],
  pgd: [0.01, 0.03, 0.05, 0.1],
  rotation: [15, 30, 45, 60, 90],
  shot_noise: LEVELS,
  impulse_noise: LEVELS,
  gaussian_blur: LEVELS,
  translate: LEVELS,
  shear: LEVELS,
  scale: LEVELS,
  contrast: LEVELS,
  brightness: LEVELS,
  occlusion: LEVELS,
};

/** A nightly suite: the full Fashion-MNIST, every optimizer, five seeds, 10 epochs, every perturbation. */
export function nightlySuite(name: string, description: string, model: ModelSpec): Suite {
  return defineSuite({
    name,
    description,
    dataset: 'fashion-mnist',
    model,
    batchSize: 128,
    epochs: 10,
    optimizers: NIGHTLY_OPTIMIZERS,
    seeds: [0, 1, 2, 3, 4],
    perturbations: NIGHTLY_PERTURBATIONS,
    reference: 'sgd',
    stepLogEvery: 10,
  });
}
