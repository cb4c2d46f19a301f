// resnet: the CIFAR ResNet of He et al. 2016 (section 4.2): depth 6n + 2. A 3x3 convolution
// of `width` channels, batch norm and ReLU; three stages of n basic blocks with width,
// 2·width and 4·width channels, the first block of stages 2 and 3 at stride 2; global
// average pooling; Dense to the classes. A basic block: conv3x3 → BN → ReLU → conv3x3 → BN,
// plus the shortcut, then ReLU. Shortcuts are identities; where a block changes the shape,
// option A (subsample and zero-pad channels: no parameters, the paper's CIFAR choice) or
// option B (1x1 convolution with stride and BN). Convolutions have no bias, as in the
// reference implementations.
import type { Layer, Shape } from '../layer.ts';
import { ModelBuilder, type Value } from '../model.ts';
import { conv2d } from '../layers/conv2d.ts';
import { batchNorm } from '../layers/batchnorm.ts';
import { relu } from '../layers/activation.ts';
import { add } from '../layers/add.ts';
import { shortcutA } from '../layers/shortcut.ts';
import { globalAvgPool } from '../layers/pool.ts';
import { dense } from '../layers/dense.ts';
import { checkFields, checkOneOf, first, optionSuffix, positiveInt, type ModelFamily } from './family.ts';

export interface ResnetSpec {
  readonly kind: 'resnet';
  /** 6n + 2: 8, 14, 20, 32, 44, 56, 110. */
  readonly depth: number;
  /** Channels of the first stage (default 16). */
  readonly width?: number;
  /** Shortcut where a block changes shape: 'A' (default) or 'B'. */
  readonly shortcut?: 'A' | 'B';
}

export const resnet: ModelFamily<ResnetSpec> = {
  kind: 'resnet',
  description: 'CIFAR-style ResNet (He et al. 2016): depth 6n+2, batch norm, identity shortcuts, global average pooling',
  validate: (s) =>
    first(
      () => checkFields(s, ['depth', 'width', 'shortcut']),
      () =>
        positiveInt(s.depth) && (s.depth as number) >= 8 && ((s.depth as number) - 2) % 6 === 0
          ? undefined
          : { field: 'depth', value: s.depth, expected: '6n + 2 for n >= 1: 8, 14, 20, 32, 44, 56 or 110' },
      () =>
        s.width === undefined || (positiveInt(s.width) && (s.width as number) % 4 === 0)
          ? undefined
          : { field: 'width', value: s.width, expected: 'a positive multiple of 4 (default 16)' },
      () => checkOneOf(s, 'shortcut', ['A', 'B']),
    ),
  build(spec, inShape, numClasses) {
    const n = (spec.depth - 2) / 6;
    const width = spec.width ?? 16;
    const b = new ModelBuilder(inShape);
    const convBnRelu = (name: string, from: Value, channels: number, stride: number): Value =>
      b.chain(
        from,
        (s) => conv2d(`${name}.conv`, s, { channels, kernel: 3, stride, padding: 1, bias: false }),
        (s) => batchNorm(`${name}.bn`, s),
        (s) => relu(`${name}.relu`, s),
      );
    let h = convBnRelu('stem', b.input, width, 1);
    [width, 2 * width, 4 * width].forEach((channels, stage) => {
      for (let i = 0; i < n; i++) {
        const name = `stage${stage + 1}.block${i + 1}`;
        const stride = stage > 0 && i === 0 ? 2 : 1;
        const first = convBnRelu(`${name}.a`, h, channels, stride);
        const branch = b.chain(
          first,
          (s) => conv2d(`${name}.b.conv`, s, { channels, kernel: 3, padding: 1, bias: false }),
          (s) => batchNorm(`${name}.b.bn`, s),
        );
        let shortcut = h;
        if (stride !== 1 || h.shape[0] !== channels) {
          shortcut =
            spec.shortcut === 'B'
              ? b.chain(
                  h,
                  (s) => conv2d(`${name}.shortcut.conv`, s, { channels, kernel: 1, stride, bias: false }),
                  (s) => batchNorm(`${name}.shortcut.bn`, s),
                )
              : b.add((s: Shape): Layer => shortcutA(`${name}.shortcut`, s, channels, stride), h);
        }
        const sum = b.add((x: Shape, y: Shape) => add(`${name}.add`, x, y), branch, shortcut);
        h = b.add((s: Shape) => relu(`${name}.relu`, s), sum);
      }
    });
    const logits = b.chain(
      h,
      (s) => globalAvgPool('pool', s),
      (s) => dense('fc', s, numClasses),
    );
    return b.build(logits);
  },
  label: (s) => `resnet${s.depth}${optionSuffix([s.width !== undefined && s.width !== 16 && `w${s.width}`, s.shortcut === 'B' && 'projection'])}`,
};
