// Mini-batches in a seeded order: each epoch draws a fresh permutation from the run's
// "shuffle" stream, which depends on the seed only, so every optimizer of a seed sees
// the same batches. The last batch of an epoch is partial (torch's drop_last=False).
import type { Split } from './dataset.ts';
import { permutation, type Rng } from '../util/rng.ts';

export interface Batch {
  /** Pixels of the first `n` examples; the buffer is reused by the next batch. */
  readonly x: Float32Array;
  readonly y: BigInt64Array;
  readonly n: number;
}

export class BatchLoader {
  private readonly x: Float32Array;
  private readonly y: BigInt64Array;

  constructor(
    private readonly split: Split,
    readonly batchSize: number,
    private readonly rng: Rng,
  ) {
    this.x = new Float32Array(batchSize * (split.images.length / split.count));
    this.y = new BigInt64Array(batchSize);
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.split.count / this.batchSize);
  }

  /** One epoch of batches in a fresh random order; `from` skips its first batches (a resumed run's). */
  *epoch(from = 0): Generator<Batch> {
    const order = permutation(this.split.count, this.rng);
    for (let start = from * this.batchSize; start < order.length; start += this.batchSize) {
      const n = Math.min(this.batchSize, order.length - start);
      gather(this.split, (k) => order[start + k]!, n, this.x, this.y);
      yield { x: this.x, y: this.y, n };
    }
  }

  /** Passes over an epoch without reading it (the order is still drawn, so the next epoch is the one it would be). */
  skipEpoch(): void {
    permutation(this.split.count, this.rng);
  }
}

/**
 * A batch of `size` examples drawn uniformly with replacement (as a language-model loader's
 * random offsets are, torch.randint): Sophia-G's fresh curvature batch. Fresh arrays.
 */
export function randomBatch(split: Split, size: number, rng: Rng): Batch {
  const x = new Float32Array(size * (split.images.length / split.count));
  const y = new BigInt64Array(size);
  gather(split, () => Math.floor(rng() * split.count), size, x, y);
  return { x, y, n: size };
}

/** Copies examples index(0), ..., index(n-1) of a split into x and y, in that order. */
function gather(split: Split, index: (k: number) => number, n: number, x: Float32Array, y: BigInt64Array): void {
  const d = split.images.length / split.count;
  for (let k = 0; k < n; k++) {
    const idx = index(k);
    x.set(split.images.subarray(idx * d, idx * d + d), k * d);
    y[k] = BigInt(split.labels[idx]!);
  }
}
