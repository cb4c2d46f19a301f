// Does the optimizer ranking survive adversarial training? The same optimizers train the CNN
// on the Fashion-MNIST subset twice: as usual, and with Madry-style PGD training (eps 0.1,
// 7 steps of 2.5·eps/7 from a random start, the evaluation's own PGD), then both face the
// same attacks and corruptions. The `regime` column and the report's groups separate them.
import { defineSuite } from '../src/index.ts';

export default defineSuite({
  name: 'adversarial-training',
  description: 'Fashion-MNIST subset, cnn, sgd/momentum/adam/adamw x 3 seeds, standard and PGD training (eps 0.1, 7 steps), 5 epochs: robustness per regime',
  dataset: 'fashion-mnist-subset',
  model: { kind: 'cnn' },
  batchSize: 128,
  epochs: 5,
  optimizers: [
    { name: 'sgd', options: { lr: 0.05 } },
    { label: 'momentum', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
    { name: 'adam', options: { lr: 1e-3 } },
    { name: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } },
  ],
  seeds: [0, 1, 2],
  training: [{ kind: 'standard' }, { kind: 'adversarial', attack: 'pgd', eps: 0.1, steps: 7 }],
  perturbations: {
    gaussian_noise: [0.1, 0.2, 0.3],
    fgsm: [0.03, 0.1],
    pgd: [0.03, 0.1],
    rotation: [15, 30],
  },
  reference: 'sgd',
});
