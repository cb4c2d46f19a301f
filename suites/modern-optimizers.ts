// The optimizers practitioners now choose between, beside the classics, on the default
// problem with tuned learning rates and matched clean accuracy: SAM and ASAM around SGD
// with momentum, Muon (Adam for its vectors), schedule-free SGD and AdamW (evaluated and
// attacked at their averaged weights), Adafactor, LAMB, AdaBelief, Lion and Sophia-G. Results
// carry `gradient_evaluations`: SAM and ASAM take two gradients per step, Sophia one more
// every 10 steps.
import { defineSuite } from '../src/index.ts';
import defaultSuite from './default.ts';

export default defineSuite({
  ...defaultSuite,
  name: 'modern-optimizers',
  description:
    'Fashion-MNIST subset, mlp [256, 128], sgd/momentum/adam/adamw beside sam, asam, muon, schedule-free sgd/adamw, ' +
    'adafactor, lamb, adabelief, lion, sophia x 3 seeds, tuned and matched',
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { label: 'momentum', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
    { name: 'adam', options: { lr: 1e-3 } },
    { name: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } },
    { label: 'sam', name: 'sgd', options: { lr: 0.01, momentum: 0.9 }, sam: { rho: 0.05 } },
    { label: 'asam', name: 'sgd', options: { lr: 0.01, momentum: 0.9 }, sam: { rho: 0.5, adaptive: true } },
    { name: 'muon', options: { lr: 0.02 } },
    { name: 'schedulefree_sgd', options: { lr: 0.5 } },
    { name: 'schedulefree_adamw', options: { lr: 2.5e-3 } },
    { name: 'adafactor', options: { lr: 1e-2 } },
    { name: 'lamb', options: { lr: 1e-2 } },
    { name: 'adabelief', options: { lr: 1e-3 } },
    { name: 'lion', options: { lr: 1e-4 } },
    { name: 'sophia', options: { lr: 1e-3 } },
  ],
  perturbations: {
    gaussian_noise: [0.1, 0.3, 0.5],
    highpass_noise: [8, 12],
    fgsm: [0.03, 0.1],
    pgd: [0.03, 0.1],
    pgd_l2: [0.5, 1],
    rotation: [15, 30],
  },
  tune: { method: 'grid' },
});
