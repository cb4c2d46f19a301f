// Builds data/fashion-mnist-subset/ from the full Fashion-MNIST (Debian's
// dataset-fashion-mnist, or any IDX folder given as the first argument):
// 1,000 training and 200 test images per class, drawn with seedrandom stream
// (seed 0, "subset") from the official train and test splits, kept in their
// original order. Run: node --import tsx scripts/make-subset.ts [SOURCE_DIR]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx, parseIdx } from '../src/core/data/idx.ts';
import { createRng, permutation } from '../src/core/util/rng.ts';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = join(import.meta.dirname, '..', 'data', 'fashion-mnist-subset');
const rng = createRng(0, 'subset');

function subset(prefix: string, perClass: number): void {
  const imagesFile = join(source, `${prefix}-images-idx3-ubyte.gz`);
  const labelsFile = join(source, `${prefix}-labels-idx1-ubyte.gz`);
  const images = parseIdx(readFileSync(imagesFile), imagesFile);
  const labels = parseIdx(readFileSync(labelsFile), labelsFile);
  const [, h, w] = images.dims as [number, number, number];
  const chosen: number[] = [];
  for (let c = 0; c < 10; c++) {
    const members = [...labels.data.keys()].filter((i) => labels.data[i] === c);
    const order = permutation(members.length, rng);
    for (let k = 0; k < perClass; k++) chosen.push(members[order[k]!]!);
  }
  chosen.sort((a, b) => a - b);
  const px = new Uint8Array(chosen.length * h * w);
  chosen.forEach((idx, k) => px.set(images.data.subarray(idx * h * w, (idx + 1) * h * w), k * h * w));
  writeFileSync(join(out, `${prefix}-images-idx3-ubyte.gz`), encodeIdx([chosen.length, h, w], px));
  writeFileSync(
    join(out, `${prefix}-labels-idx1-ubyte.gz`),
    encodeIdx(
      [chosen.length],
      Uint8Array.from(chosen, (i) => labels.data[i]!),
    ),
  );
}

mkdirSync(out, { recursive: true });
subset('train', 1000);
subset('t10k', 200);
