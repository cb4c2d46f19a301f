// The article's setting, to test its claim in its own terms: MNIST (the embedded subset), the
// model of the TensorFlow beginner tutorial it follows (Flatten, Dense 128 ReLU, Dropout 0.2,
// Dense 10, with Keras' initialisation: glorot_uniform kernels, zero biases), 5 epochs at
// Keras' default batch of 32, Adam with Keras' defaults (lr 1e-3, eps 1e-7) against SGD and
// SGD with momentum at Keras' default lr (0.01), seeds 0-4; Gaussian noise, FGSM and rotation.
// One difference remains: Keras adds eps to sqrt(v) before the bias correction (eps·sqrt(1 - β₂ᵗ)
// in torch's terms), torch after it; at eps 1e-7 that moves no update by more than a few parts in
// 10,000 past the first steps.
import { defineSuite } from '../src/index.ts';

export default defineSuite({
  name: 'seed-article',
  description:
    "the article's setting: MNIST subset, Dense 128 ReLU + Dropout 0.2 (Keras init), Adam (Keras defaults) vs SGD and momentum, 5 epochs, batch 32, seeds 0-4",
  dataset: 'mnist-subset',
  model: { kind: 'mlp', hidden: [128], dropout: 0.2, init: 'keras' },
  batchSize: 32,
  epochs: 5,
  optimizers: [
    { name: 'sgd', options: { lr: 0.01 } },
    { label: 'momentum', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
    { name: 'adam', options: { lr: 1e-3, eps: 1e-7 } },
  ],
  seeds: [0, 1, 2, 3, 4],
  perturbations: {
    gaussian_noise: [0.1, 0.2, 0.3, 0.5],
    fgsm: [0.01, 0.03, 0.05, 0.1],
    rotation: [15, 30, 45, 60, 90],
  },
  reference: 'sgd',
});
