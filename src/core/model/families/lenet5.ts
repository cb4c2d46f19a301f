// lenet5 (LeCun et al. 1998, as PyTorch's tutorials write it): conv 6@5x5 → activation →
// 2x2 pool → conv 16@5x5 → activation → 2x2 pool → Dense 120 → activation → Dense 84 →
// activation → Dense to the classes. The first convolution pads a 28x28 input by 2, as the
// original fed 32x32 images; 32x32 inputs are not padded.
import type { ActivationName, Layer, Shape } from '../layer.ts';
import { sequential } from '../model.ts';
import { conv2d } from '../layers/conv2d.ts';
import { activation } from '../layers/activation.ts';
import { flatten } from '../layers/flatten.ts';
import { dense } from '../layers/dense.ts';
import { avgPool2d, maxPool2d } from '../layers/pool.ts';
import { checkActivation, checkFields, checkOneOf, first, optionSuffix, type ModelFamily } from './family.ts';

export interface Lenet5Spec {
  readonly kind: 'lenet5';
  /** Default relu (the original used scaled tanh). */
  readonly activation?: ActivationName;
  /** Default max (the original subsampled by averaging). */
  readonly pool?: 'max' | 'avg';
}

export const lenet5: ModelFamily<Lenet5Spec> = {
  kind: 'lenet5',
  description: 'LeNet-5: two 5x5 convolutions with pooling, Dense 120 and 84',
  validate: (s) =>
    first(
      () => checkFields(s, ['activation', 'pool']),
      () => checkActivation(s),
      () => checkOneOf(s, 'pool', ['max', 'avg']),
    ),
  build(spec, inShape, numClasses) {
    const act = spec.activation ?? 'relu';
    const pool = spec.pool === 'avg' ? avgPool2d : maxPool2d;
    const padding = Math.max(0, Math.floor((32 - inShape[1]!) / 2));
    const makers: ((s: Shape) => Layer)[] = [
      (s) => conv2d('conv1', s, { channels: 6, kernel: 5, padding }),
      (s) => activation(`${act}1`, s, act),
      (s) => pool('pool1', s, { kernel: 2 }),
      (s) => conv2d('conv2', s, { channels: 16, kernel: 5 }),
      (s) => activation(`${act}2`, s, act),
      (s) => pool('pool2', s, { kernel: 2 }),
      (s) => flatten('flatten', s),
      (s) => dense('dense1', s, 120),
      (s) => activation(`${act}3`, s, act),
      (s) => dense('dense2', s, 84),
      (s) => activation(`${act}4`, s, act),
      (s) => dense('dense3', s, numClasses),
    ];
    return sequential(inShape, makers);
  },
  label: (s) => `lenet5${optionSuffix([s.activation && s.activation !== 'relu' && s.activation, s.pool === 'avg' && 'avgpool'])}`,
};
