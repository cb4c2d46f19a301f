// The IDX format (LeCun's MNIST files): a big-endian magic 0x0000TTNN (T = element
// type, N = number of dimensions), N big-endian uint32 sizes, then the elements.
// Only unsigned bytes (T = 0x08) occur in the MNIST family, so only they are read.
import { gunzipSync, gzipSync } from 'node:zlib';
import { InputError } from '../errors.ts';

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

export class DataError extends InputError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

const UBYTE = 0x08;

/** Parses IDX bytes, gunzipping first when they start with the gzip magic. `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(file, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new DataError(file, `too short for an IDX header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  const type = (magic >> 8) & 0xff;
  const ndims = magic & 0xff;
  if (magic >>> 16 !== 0 || ndims === 0) {
    throw new DataError(file, `bad magic number 0x${magic.toString(16).padStart(8, '0')}; expected 0x00000801 (labels) or 0x00000803 (images)`);
  }
  if (type !== UBYTE) throw new DataError(file, `element type 0x${type.toString(16)} is not supported; expected 0x08 (unsigned byte)`);
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new DataError(file, `header announces ${ndims} dimensions but the file has only ${buf.length} bytes`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = buf.length - header;
  if (actual !== expected) {
    throw new DataError(file, `dimensions [${dims.join(', ')}] need ${expected} data bytes but the file has ${actual}`);
  }
  return { dims, data: buf.subarray(header) };
}

/** Serialises unsigned bytes as IDX, gzipped (level 9) when `gzip` is set. */
export function encodeIdx(dims: readonly number[], data: Uint8Array, gzip = true): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((UBYTE << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const raw = Buffer.concat([header, data]);
  return gzip ? gzipSync(raw, { level: 9 }) : raw;
}
