// A labelled image dataset in memory: pixels as Float32 in [0, 1], [C, H, W] per example,
// with a fingerprint of its decoded contents. The formats that read one from files are in
// formats/ (IDX for the MNIST family, CIFAR-10's binary version).
import { createHash, type Hash } from 'node:crypto';
import { DataError } from './idx.ts';

export interface Split {
  /** count × (C·H·W) pixels in [0, 1], row-major, one image after another, channels first. */
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
   * data gives the same fingerprint however it is compressed, wherever it lives.
   */
  readonly fingerprint: string;
  /** Class names by index (the built-in datasets' published names; a folder's sorted sub-folders; a NumPy `classes` array). */
  readonly classes?: readonly string[];
  /** Files a folder held that are not images (skipped as torchvision skips them): how many, and the first few. */
  readonly skipped?: { readonly count: number; readonly examples: readonly string[] };
}

/** The fingerprint of a dataset, fed split by split. */
export class Fingerprint {
  private readonly hash: Hash = createHash('sha256');
  add(dims: readonly number[], pixels: Uint8Array, labels: Uint8Array): void {
    this.hash.update(JSON.stringify(dims)).update(pixels).update(labels);
  }
  /** A user dataset's class names are part of what it is (built-in datasets' names are fixed by their name). */
  addClasses(names: readonly string[]): void {
    this.hash.update(JSON.stringify({ classes: names }));
  }
  /** Float pixels (NumPy float32 arrays), hashed as their bytes. */
  addFloat(dims: readonly number[], pixels: Float32Array, labels: Uint8Array): void {
    this.hash
      .update(JSON.stringify({ float32: dims }))
      .update(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength))
      .update(labels);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Bytes 0-255 as pixels in [0, 1]. */
export function toPixels(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = bytes[i]! / 255;
  return out;
}

/** Every label is a class index; the first that is not is named with its position. */
export function checkLabels(labels: Uint8Array, numClasses: number, file: string, unit: 'index' | 'record'): void {
  const bad = labels.findIndex((l) => l >= numClasses);
  if (bad >= 0) throw new DataError(file, `label ${labels[bad]} at ${unit} ${bad} is outside 0..${numClasses - 1}`);
}
