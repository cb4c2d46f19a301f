// The claim that started optrobust, as an experiment: does Adam "solve vanishing gradients"
// and so make models more robust? Deep saturating MLPs (sigmoid, tanh; 8 hidden layers)
// against the same depth with ReLU and batch norm, under four common optimizers.
// layers.csv and the report's "Gradients through depth" show where gradients vanish;
// grad_ratio_first_last_* in results.csv put it in one number per cell.
import { defineSuite } from '../src/index.ts';
import { DEFAULT_SWEEPS } from './default.ts';

const hidden = [256, 256, 256, 256, 256, 256, 256, 256];

export default defineSuite({
  name: 'deep-gradients',
  description:
    'Fashion-MNIST subset, 8-hidden-layer MLPs (sigmoid, tanh, ReLU + batch norm) x sgd, momentum, rmsprop, adam x ' +
    '3 seeds: gradients through depth and robustness',
  dataset: 'fashion-mnist-subset',
  models: {
    sigmoid: { kind: 'mlp', hidden, activation: 'sigmoid' },
    tanh: { kind: 'mlp', hidden, activation: 'tanh' },
    'relu-bn': { kind: 'mlp', hidden, activation: 'relu', batchNorm: true },
  },
  batchSize: 128,
  epochs: 10,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { label: 'momentum', name: 'sgd', options: { lr: 0.01, momentum: 0.9 } },
    { name: 'rmsprop', options: { lr: 1e-3 } },
    { name: 'adam', options: { lr: 1e-3 } },
  ],
  seeds: [0, 1, 2],
  perturbations: DEFAULT_SWEEPS,
  reference: 'sgd',
  stepLogEvery: 10,
});
