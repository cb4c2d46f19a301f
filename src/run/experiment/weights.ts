// A trained cell's final weights, kept beside the run's store so a model can be exported
// (`optrobust export`) or evaluated later. One file per cell, weights/<id>.f32: every tensor
// (parameters, then buffers, in Network order) as little-endian float32, back to back. The
// cell's record names the file with its size and SHA-256, and is appended only after the file
// is durable, so a record never points at weights that are not there.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readRegularFile } from '../../core/util/paths.ts';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/util/atomic.ts';
import { InputError } from '../../errors.ts';

export const WEIGHTS_DIR = 'weights';

export interface WeightsRef {
  /** Relative to the run directory. */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Values per tensor. */
  readonly sizes: readonly number[];
}

export class WeightsError extends InputError {}

function encode(weights: readonly Float32Array[]): Uint8Array {
  const out = new Uint8Array(weights.reduce((n, w) => n + 4 * w.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const w of weights) for (const v of w) view.setFloat32((at += 4) - 4, v, true);
  return out;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes a cell's weights durably under `dir`; `cellId` (a store key) names the file by its hash, never as a path. */
export function writeWeights(dir: string, cellId: string, weights: readonly Float32Array[]): WeightsRef {
  const bytes = encode(weights);
  const file = join(WEIGHTS_DIR, `${createHash('sha256').update(cellId).digest('hex').slice(0, 24)}.f32`);
  writeFileAtomic(join(dir, file), bytes);
  return { file, bytes: bytes.length, sha256: sha256(bytes), sizes: weights.map((w) => w.length) };
}

/** Reads weights back, checking the file is the one the record names. */
export function readWeights(dir: string, ref: WeightsRef): Float32Array[] {
  const path = join(dir, ref.file);
  if (!existsSync(path)) throw new WeightsError(`${path}: missing; the run's record of this cell names it (was the weights folder removed or not copied?)`);
  const bytes = readRegularFile(path, { what: 'a weights file', maxBytes: ref.bytes, error: (file, problem) => new WeightsError(`${file}: ${problem}`) });
  if (bytes.length !== ref.bytes || sha256(bytes) !== ref.sha256)
    throw new WeightsError(`${path}: not the weights this cell stored (${bytes.length} bytes, expected ${ref.bytes} with SHA-256 ${ref.sha256.slice(0, 12)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  return ref.sizes.map((n) => Float32Array.from({ length: n }, () => view.getFloat32((at += 4) - 4, true)));
}

/** Copies a cell's weights file from one run directory to another, checked on the way. */
export function copyWeights(fromDir: string, toDir: string, ref: WeightsRef): void {
  readWeights(fromDir, ref);
  writeFileAtomic(join(toDir, ref.file), readRegularFile(join(fromDir, ref.file), { what: 'a weights file', maxBytes: ref.bytes }));
}
