// Write -> read for the two forms a user brings data in, at every example shape a shipped
// suite uses (1x28x28: the MNIST family; 3x32x32: CIFAR-10): scripts/export-dataset.ts writes a
// dataset as an image folder of PNGs, as .npz (NHWC and NCHW) and, for grayscale, as IDX; each
// reads back to the same pixels, labels and class names, in ImageFolder's order.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClassOrder, writeIdxFolder, writeImageFolder, writeNpz } from '../../scripts/export-dataset.ts';
import { imageFolder } from '../../src/core/data/formats/image-folder.ts';
import { numpy } from '../../src/core/data/formats/numpy.ts';
import { idx } from '../../src/core/data/formats/idx.ts';
import { toPixels, type Dataset, type Split } from '../../src/core/data/dataset.ts';

/** A dataset of `count` examples per split, bytes from a fixed pattern, labels cycling over 3 classes. */
function synthetic(shape: [number, number, number], count: number): Dataset {
  const size = shape[0] * shape[1] * shape[2];
  const split = (offset: number): Split => {
    const bytes = Uint8Array.from({ length: count * size }, (_, i) => (i * 37 + offset * 11 + ((i / size) | 0) * 101) % 256);
    return { images: toPixels(bytes), labels: Uint8Array.from({ length: count }, (_, i) => (i * 7) % 3), count };
  };
  return { name: 'synthetic', dir: '', shape, numClasses: 3, classes: ['ant', 'bee', 'cat'], train: split(0), test: split(1), fingerprint: '' };
}

const same = (a: Dataset, b: Dataset) => {
  expect(b.shape).toEqual(a.shape);
  for (const s of ['train', 'test'] as const) {
    expect(Array.from(b[s].labels)).toEqual(Array.from(a[s].labels));
    expect(b[s].images).toEqual(a[s].images);
  }
};

describe('export -> import', () => {
  for (const shape of [
    [1, 28, 28],
    [3, 32, 32],
  ] as [number, number, number][]) {
    it(`${shape.join('x')}: image folder, .npz (NHWC, NCHW)${shape[0] === 1 ? ' and IDX' : ''} read back to the same data`, async () => {
      const d = inClassOrder(synthetic(shape, 12));
      const root = mkdtempSync(join(tmpdir(), 'optrobust-roundtrip-'));
      writeImageFolder(d, join(root, 'images'));
      const folder = await imageFolder.load(join(root, 'images'), { name: 't' });
      same(d, folder);
      expect(folder.classes).toEqual(['0_ant', '1_bee', '2_cat']);
      for (const layout of ['NHWC', 'NCHW'] as const) {
        writeNpz(d, join(root, `${layout}.npz`), layout);
        const n = await numpy.load(join(root, `${layout}.npz`), { name: 't', options: shape[0] === 3 ? { layout } : {} });
        same(d, n);
        expect(n.classes).toEqual(['ant', 'bee', 'cat']);
      }
      if (shape[0] === 1) {
        writeIdxFolder(d, join(root, 'idx'));
        same(d, idx.load(join(root, 'idx'), { name: 't', numClasses: 3 }));
      }
    });
  }
});
