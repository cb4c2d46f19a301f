// The MNIST family's layout: four IDX files (train/t10k, images/labels), gzipped or not,
// in one folder; grayscale images [count, height, width] of unsigned bytes.
import { existsSync } from 'node:fs';
import { readRegularFile } from '../../util/paths.ts';
import { join } from 'node:path';
import { DataError, MAX_IDX_BYTES, parseIdx } from '../idx.ts';
import { checkLabels, Fingerprint, toPixels, type Dataset, type Split } from '../dataset.ts';
import type { DatasetSpec, SyncDataFormat } from './format.ts';

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** The path of `base` in `dir`, gzipped or plain; undefined when neither exists. */
function findFile(dir: string, base: string): string | undefined {
  return [`${base}.gz`, base].map((f) => join(dir, f)).find((p) => existsSync(p));
}

function loadSplit(
  dir: string,
  [imagesBase, labelsBase]: readonly [string, string],
  numClasses: number,
  hash: Fingerprint,
): { split: Split; hw: [number, number] } {
  const imagesFile = findFile(dir, imagesBase)!;
  const labelsFile = findFile(dir, labelsBase)!;
  const read = (file: string) => readRegularFile(file, { what: 'an IDX file', maxBytes: MAX_IDX_BYTES, error: (f, problem) => new DataError(f, problem) });
  const images = parseIdx(read(imagesFile), imagesFile);
  const labels = parseIdx(read(labelsFile), labelsFile);
  if (images.dims.length !== 3) throw new DataError(imagesFile, `expected 3 dimensions [count, height, width], got [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new DataError(labelsFile, `expected 1 dimension [count], got [${labels.dims.join(', ')}]`);
  const [count, h, w] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) throw new DataError(labelsFile, `holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images`);
  if (count === 0) throw new DataError(imagesFile, 'holds no images; a split needs at least one');
  checkLabels(labels.data, numClasses, labelsFile, 'index');
  hash.add(images.dims, images.data, labels.data);
  return { split: { images: toPixels(images.data), labels: Uint8Array.from(labels.data), count }, hw: [h, w] };
}

export function loadIdxFolder(dir: string, name: string, numClasses = 10): Dataset {
  return idx.load(dir, { name, numClasses });
}

export const idx: SyncDataFormat = {
  name: 'idx',
  layout: 'train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally .gz)',
  missing: (dir) =>
    Object.values(FILES)
      .flat()
      .filter((base) => !findFile(dir, base))
      .map((base) => `${base}(.gz)`),
  load(dir: string, { name, numClasses = 10 }: DatasetSpec): Dataset {
    const missing = idx.missing(dir);
    if (missing.length > 0) throw new DataError(dir, `missing ${missing.join(', ')}`);
    const hash = new Fingerprint();
    const train = loadSplit(dir, FILES.train, numClasses, hash);
    const test = loadSplit(dir, FILES.test, numClasses, hash);
    if (train.hw.join() !== test.hw.join()) {
      throw new DataError(dir, `training images are ${train.hw.join('x')} but test images are ${test.hw.join('x')}`);
    }
    return { name, dir, shape: [1, ...train.hw], numClasses, train: train.split, test: test.split, fingerprint: hash.digest() };
  },
};
