// The IDX format (LeCun's MNIST files): a big-endian magic 0x0000TTNN (T = element
// type, N = number of dimensions), N big-endian uint32 sizes, then the elements.
// Only unsigned bytes (T = 0x08) occur in the MNIST family, so only they are read.
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { GiB } from '../util/paths.ts';
import { InputError } from '../../errors.ts';

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

/** The largest IDX file (or inflated content) read: Node's buffers, and far beyond any image set here. */
export const MAX_IDX_BYTES = 2 * GiB - 1;

/** The data size an IDX header declares, or undefined when `head` is too short to hold the header. */
function declaredSize(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  const ndims = head[3]!;
  if (head.length < 4 + 4 * ndims) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = 4 + 4 * ndims;
  let data = 1;
  for (let i = 0; i < ndims; i++) data *= view.getUint32(4 + 4 * i);
  return n + data;
}

/**
 * Inflates gzipped IDX bytes no further than the size their header declares, so a small file
 * that inflates to gigabytes (by accident or by design) is refused before it is inflated: the
 * header comes from the first output bytes, then the whole stream is inflated with that bound.
 */
function gunzipBounded(bytes: Uint8Array, file: string): Uint8Array {
  let head: Uint8Array;
  try {
    // A prefix of the stream, flushed as far as it goes (at most ~1 MB out of 1 KiB in).
    head = gunzipSync(bytes.subarray(0, 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (e) {
    throw new DataError(file, `corrupt gzip data (${(e as Error).message})`);
  }
  const declared = declaredSize(head) ?? 4 + 4 * 255;
  if (declared > MAX_IDX_BYTES) throw new DataError(file, `its IDX header declares ${declared} bytes; at most ${MAX_IDX_BYTES} are read`);
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(declared, 1) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DataError(file, `inflates to more than the ${declared} bytes its IDX header declares; refused before inflating further`);
    throw new DataError(file, `corrupt gzip data (${(e as Error).message})`);
  }
}

/** Parses IDX bytes, gunzipping first when they start with the gzip magic. `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipBounded(buf, file);
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
