// cnn: 3x3 convolutions with padding 1, each followed by [BatchNorm →] an activation;
// then Flatten, [Dropout,] Dense to the classes. A convolution with stride s downsamples;
// with `pool`, it runs at stride 1 and an s×s max or average pool (stride s) follows it.
import type { ActivationName, Layer, Shape } from '../layer.ts';
import { sequential } from '../model.ts';
import { conv2d } from '../layers/conv2d.ts';
import { activation } from '../layers/activation.ts';
import { batchNorm } from '../layers/batchnorm.ts';
import { dropout } from '../layers/dropout.ts';
import { flatten } from '../layers/flatten.ts';
import { dense } from '../layers/dense.ts';
import { avgPool2d, maxPool2d } from '../layers/pool.ts';
import { checkActivation, checkBoolean, checkFields, checkOneOf, checkProbability, first, optionSuffix, positiveInt, type ModelFamily } from './family.ts';

export interface ConvSpec {
  readonly channels: number;
  readonly stride: number;
}

export interface CnnSpec {
  readonly kind: 'cnn';
  /** Default: conv32, conv64/2, conv64/2. */
  readonly convs?: readonly ConvSpec[];
  /** Downsample with s×s pooling after a stride-1 convolution instead of a stride-s convolution. */
  readonly pool?: 'max' | 'avg';
  /** BatchNorm2d after each convolution (which then has no bias, as is usual). */
  readonly batchNorm?: boolean;
  /** Dropout probability before the final Dense (default 0: none). */
  readonly dropout?: number;
  /** Default relu. */
  readonly activation?: ActivationName;
}

export const DEFAULT_CNN: readonly ConvSpec[] = [
  { channels: 32, stride: 1 },
  { channels: 64, stride: 2 },
  { channels: 64, stride: 2 },
];

export const cnn: ModelFamily<CnnSpec> = {
  kind: 'cnn',
  description: 'convolutional network: 3x3 convolutions (strided or pooled), optional batch norm and dropout, one Dense',
  validate(s) {
    const convs = s.convs;
    return first(
      () => checkFields(s, ['convs', 'pool', 'batchNorm', 'dropout', 'activation']),
      () =>
        convs === undefined || (Array.isArray(convs) && convs.length > 0)
          ? undefined
          : { field: 'convs', value: convs, expected: 'a non-empty list of { channels, stride }' },
      ...((convs as ConvSpec[] | undefined) ?? []).flatMap((c, i) => [
        () => (positiveInt(c?.channels) ? undefined : { field: `convs[${i}].channels`, value: c?.channels, expected: 'a positive integer' }),
        () => (positiveInt(c?.stride) ? undefined : { field: `convs[${i}].stride`, value: c?.stride, expected: 'a positive integer' }),
      ]),
      () => checkOneOf(s, 'pool', ['max', 'avg']),
      () => checkBoolean(s, 'batchNorm'),
      () => checkProbability(s, 'dropout'),
      () => checkActivation(s),
    );
  },
  build(spec, inShape, numClasses) {
    const act = spec.activation ?? 'relu';
    const makers: ((s: Shape) => Layer)[] = [];
    (spec.convs ?? DEFAULT_CNN).forEach((c, i) => {
      const n = i + 1;
      const stride = spec.pool ? 1 : c.stride;
      makers.push((s) => conv2d(`conv${n}`, s, { channels: c.channels, kernel: 3, stride, padding: 1, bias: !spec.batchNorm }));
      if (spec.batchNorm) makers.push((s) => batchNorm(`bn${n}`, s));
      makers.push((s) => activation(`${act}${n}`, s, act));
      if (spec.pool && c.stride > 1) makers.push((s) => (spec.pool === 'max' ? maxPool2d : avgPool2d)(`pool${n}`, s, { kernel: c.stride }));
    });
    makers.push((s) => flatten('flatten', s));
    if (spec.dropout) makers.push((s) => dropout('dropout', s, spec.dropout!));
    makers.push((s) => dense('dense', s, numClasses));
    return sequential(inShape, makers);
  },
  label: (s) =>
    `cnn[${(s.convs ?? DEFAULT_CNN).map((c) => (c.stride === 1 ? `${c.channels}` : `${c.channels}/${c.stride}`)).join(',')}]${optionSuffix([
      s.pool && `${s.pool}pool`,
      s.batchNorm && 'bn',
      s.dropout ? `drop${s.dropout}` : undefined,
      s.activation && s.activation !== 'relu' && s.activation,
    ])}`,
};
