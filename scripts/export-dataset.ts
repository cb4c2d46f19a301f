// Writes a dataset optrobust reads (e.g. the shipped Fashion-MNIST subset) in the two forms
// a user brings their own data in: an image folder of PNGs (torchvision's ImageFolder
// layout) and a NumPy .npz archive. The tests use it to check that every form of the same
// data gives the same numbers; a user can use it to see the layouts.
//   node --import tsx scripts/export-dataset.ts DATASET OUT_FOLDER
// writes OUT_FOLDER/images/{train,test}/<k>_<class>/<index>.png, OUT_FOLDER/data.npz and
// OUT_FOLDER/idx/ (the four IDX files). An image folder holds its examples class by class
// (torchvision's order), so all three forms are written in that order: the same examples in
// the same order, whichever form is read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { zipSync } from 'fflate';
import { loadDataset } from '../src/core/data/sources.ts';
import type { Dataset, Split } from '../src/core/data/dataset.ts';
import { writeNpy } from '../src/core/data/npy.ts';
import { encodeIdx } from '../src/core/data/idx.ts';

/** The dataset with each split's examples grouped by class, in their order within a class (ImageFolder's order). */
export function inClassOrder(d: Dataset): Dataset {
  const size = d.shape[0] * d.shape[1] * d.shape[2];
  const reorder = (s: Split): Split => {
    const order = Array.from({ length: s.count }, (_, i) => i).sort((a, b) => s.labels[a]! - s.labels[b]! || a - b);
    const images = new Float32Array(s.images.length);
    order.forEach((from, to) => images.set(s.images.subarray(from * size, (from + 1) * size), to * size));
    return { images, labels: Uint8Array.from(order, (i) => s.labels[i]!), count: s.count };
  };
  return { ...d, train: reorder(d.train), test: reorder(d.test) };
}

export function writeIdxFolder(d: Dataset, dir: string): void {
  if (d.shape[0] !== 1) throw new Error('IDX files hold grayscale images only');
  mkdirSync(dir, { recursive: true });
  for (const [prefix, split] of [
    ['train', d.train],
    ['t10k', d.test],
  ] as const) {
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), encodeIdx([split.count, d.shape[1], d.shape[2]], bytesOf(split)));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), encodeIdx([split.count], split.labels));
  }
}

/** A split's pixels back as the bytes they were decoded from (every built-in dataset is 8-bit). */
function bytesOf(split: Split): Uint8Array {
  return Uint8Array.from(split.images, (v) => Math.round(v * 255));
}

/** Class folder names that sort in label order and are valid file names. */
export function classFolderNames(d: Dataset): string[] {
  const width = String(d.numClasses - 1).length;
  return Array.from({ length: d.numClasses }, (_, k) => `${String(k).padStart(width, '0')}_${(d.classes?.[k] ?? String(k)).replace(/[^\w.-]+/g, '-')}`);
}

export function writeImageFolder(d: Dataset, root: string): void {
  const [c, h, w] = d.shape;
  const names = classFolderNames(d);
  for (const [splitName, split] of [
    ['train', d.train],
    ['test', d.test],
  ] as const) {
    for (const n of names) mkdirSync(join(root, splitName, n), { recursive: true });
    const bytes = bytesOf(split);
    const digits = String(split.count - 1).length;
    for (let i = 0; i < split.count; i++) {
      const png = new PNG({ width: w, height: h, colorType: c === 1 ? 0 : 2, inputColorType: 2, inputHasAlpha: false });
      const rgb = Buffer.alloc(w * h * 3);
      for (let p = 0; p < w * h; p++) for (let ch = 0; ch < 3; ch++) rgb[3 * p + ch] = bytes[i * c * h * w + (c === 1 ? 0 : ch) * h * w + p]!;
      png.data = rgb;
      // Sorted file names keep the examples' order within a class.
      writeFileSync(
        join(root, splitName, names[split.labels[i]!]!, `${String(i).padStart(digits, '0')}.png`),
        PNG.sync.write(png, { colorType: c === 1 ? 0 : 2, inputColorType: 2, inputHasAlpha: false }),
      );
    }
  }
}

export function writeNpz(d: Dataset, file: string, layout: 'NCHW' | 'NHWC' = 'NHWC'): void {
  const [c, h, w] = d.shape;
  const arrays: Record<string, Uint8Array> = {};
  for (const [name, split] of [
    ['train', d.train],
    ['test', d.test],
  ] as const) {
    const bytes = bytesOf(split);
    let x = bytes;
    let shape = c === 1 ? [split.count, h, w] : [split.count, c, h, w];
    if (layout === 'NHWC' && c > 1) {
      x = new Uint8Array(bytes.length);
      for (let e = 0; e < split.count; e++)
        for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) x[(e * h * w + p) * c + ch] = bytes[(e * c + ch) * h * w + p]!;
      shape = [split.count, h, w, c];
    }
    arrays[`x_${name}.npy`] = writeNpy(shape, '|u1', x);
    arrays[`y_${name}.npy`] = writeNpy(
      [split.count],
      '<i8',
      BigInt64Array.from(split.labels, (l) => BigInt(l)),
    );
  }
  if (d.classes) {
    const width = Math.max(...d.classes.map((s) => [...s].length));
    const u = new Uint32Array(d.classes.length * width);
    d.classes.forEach((s, i) => [...s].forEach((ch, j) => (u[i * width + j] = ch.codePointAt(0)!)));
    arrays['classes.npy'] = writeNpy([d.classes.length], `<U${width}`, new Int32Array(u.buffer));
  }
  writeFileSync(file, zipSync(arrays, { level: 6 }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name, out] = process.argv.slice(2);
  if (!name || !out) {
    process.stderr.write('usage: node --import tsx scripts/export-dataset.ts DATASET OUT_FOLDER\n');
    process.exit(2);
  }
  const d = inClassOrder(loadDataset(name));
  const root = resolve(out);
  writeImageFolder(d, join(root, 'images'));
  writeNpz(d, join(root, 'data.npz'));
  if (d.shape[0] === 1) writeIdxFolder(d, join(root, 'idx'));
  process.stdout.write(
    `wrote ${join(root, 'images')} (${d.train.count + d.test.count} PNGs), ${join(root, 'data.npz')}${d.shape[0] === 1 ? ` and ${join(root, 'idx')}` : ''}\n`,
  );
}
