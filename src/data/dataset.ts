// A labelled image dataset in the MNIST layout: four IDX files (train/t10k, images/labels),
// gzipped or not, in one folder. Pixels become Float32 in [0, 1].
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, parseIdx } from './idx.ts';

export interface Split {
  /** count × (1·H·W) pixels in [0, 1], row-major, one image after another. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface Dataset {
  readonly name: string;
  readonly dir: string;
  /** Per-example shape [channels, height, width]. */
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  readonly train: Split;
  readonly test: Split;
  /**
   * SHA-256 of the decoded contents (shapes, labels, pixel bytes of both splits): the same
   * data gives the same fingerprint whether gzipped or not, wherever it lives.
   */
  readonly fingerprint: string;
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** The path of `base` in `dir`, gzipped or plain; undefined when neither exists. */
function findFile(dir: string, base: string): string | undefined {
  return [`${base}.gz`, base].map((f) => join(dir, f)).find((p) => existsSync(p));
}

export function missingFiles(dir: string): string[] {
  return Object.values(FILES)
    .flat()
    .filter((base) => !findFile(dir, base));
}

function loadSplit(dir: string, [imagesBase, labelsBase]: readonly [string, string], numClasses: number, hash: Hash): { split: Split; hw: [number, number] } {
  const imagesFile = findFile(dir, imagesBase)!;
  const labelsFile = findFile(dir, labelsBase)!;
  const images = parseIdx(readFileSync(imagesFile), imagesFile);
  const labels = parseIdx(readFileSync(labelsFile), labelsFile);
  if (images.dims.length !== 3) throw new DataError(imagesFile, `expected 3 dimensions [count, height, width], got [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new DataError(labelsFile, `expected 1 dimension [count], got [${labels.dims.join(', ')}]`);
  const [count, h, w] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) throw new DataError(labelsFile, `holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images`);
  if (count === 0) throw new DataError(imagesFile, 'holds no images; a split needs at least one');
  const bad = labels.data.findIndex((l) => l >= numClasses);
  if (bad >= 0) throw new DataError(labelsFile, `label ${labels.data[bad]} at index ${bad} is outside 0..${numClasses - 1}`);
  hash.update(JSON.stringify(images.dims)).update(images.data).update(labels.data);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return { split: { images: pixels, labels: Uint8Array.from(labels.data), count }, hw: [h, w] };
}

export function loadIdxFolder(dir: string, name: string, numClasses = 10): Dataset {
  const missing = missingFiles(dir);
  if (missing.length > 0) throw new DataError(dir, `missing ${missing.map((m) => `${m}(.gz)`).join(', ')}`);
  const hash = createHash('sha256');
  const train = loadSplit(dir, FILES.train, numClasses, hash);
  const test = loadSplit(dir, FILES.test, numClasses, hash);
  if (train.hw.join() !== test.hw.join()) {
    throw new DataError(dir, `training images are ${train.hw.join('x')} but test images are ${test.hw.join('x')}`);
  }
  return { name, dir, shape: [1, ...train.hw], numClasses, train: train.split, test: test.split, fingerprint: hash.digest('hex') };
}
