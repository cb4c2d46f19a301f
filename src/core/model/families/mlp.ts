// mlp: Flatten, then per hidden width Dense → [BatchNorm] → activation → [Dropout], then
// Dense to the classes (the order of PyTorch's usual Linear-BN-ReLU-Dropout blocks).
import type { ActivationName } from '../layer.ts';
import { sequential } from '../model.ts';
import { dense, type DenseInit } from '../layers/dense.ts';
import { flatten } from '../layers/flatten.ts';
import { activation } from '../layers/activation.ts';
import { batchNorm } from '../layers/batchnorm.ts';
import { dropout } from '../layers/dropout.ts';
import type { Shape, Layer } from '../layer.ts';
import { checkActivation, checkBoolean, checkFields, checkOneOf, checkProbability, first, optionSuffix, positiveInt, type ModelFamily } from './family.ts';

export interface MlpSpec {
  readonly kind: 'mlp';
  /** Hidden widths, e.g. [256, 128]. */
  readonly hidden: readonly number[];
  /** Default relu. */
  readonly activation?: ActivationName;
  /** BatchNorm1d after each hidden Dense (default false). */
  readonly batchNorm?: boolean;
  /** Dropout probability after each hidden activation (default 0: none). */
  readonly dropout?: number;
  /** Initial weights as PyTorch's Linear (default) or Keras' Dense sets them. */
  readonly init?: DenseInit;
}

export const mlp: ModelFamily<MlpSpec> = {
  kind: 'mlp',
  description: 'multilayer perceptron: hidden Dense layers with an activation, optional batch norm and dropout',
  validate: (s) =>
    first(
      () => checkFields(s, ['hidden', 'activation', 'batchNorm', 'dropout', 'init']),
      () =>
        Array.isArray(s.hidden) && s.hidden.length > 0 && s.hidden.every(positiveInt)
          ? undefined
          : { field: 'hidden', value: s.hidden, expected: 'a list of positive integer widths, e.g. [256, 128]' },
      () => checkActivation(s),
      () => checkBoolean(s, 'batchNorm'),
      () => checkProbability(s, 'dropout'),
      () => checkOneOf(s, 'init', ['pytorch', 'keras']),
    ),
  build(spec, inShape, numClasses) {
    const act = spec.activation ?? 'relu';
    const makers: ((s: Shape) => Layer)[] = [(s) => flatten('flatten', s)];
    spec.hidden.forEach((units, i) => {
      const n = i + 1;
      // With batch norm next, a bias would be cancelled by its mean: none, as is usual (and as cnn does).
      makers.push((s) => dense(`dense${n}`, s, units, !spec.batchNorm, spec.init));
      if (spec.batchNorm) makers.push((s) => batchNorm(`bn${n}`, s));
      makers.push((s) => activation(`${act}${n}`, s, act));
      if (spec.dropout) makers.push((s) => dropout(`dropout${n}`, s, spec.dropout!));
    });
    makers.push((s) => dense(`dense${spec.hidden.length + 1}`, s, numClasses, true, spec.init));
    return sequential(inShape, makers);
  },
  label: (s) => {
    const options = [
      s.activation && s.activation !== 'relu' && s.activation,
      s.batchNorm && 'bn',
      s.dropout ? `drop${s.dropout}` : undefined,
      s.init === 'keras' && 'keras',
    ];
    return `mlp[${s.hidden.join(',')}]${optionSuffix(options)}`;
  },
};
