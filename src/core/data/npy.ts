// NumPy's .npy format (numpy.lib.format, versions 1-3): the magic "\x93NUMPY", a version,
// the header's length (2 bytes in version 1, 4 after), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (N, 28, 28), }, then the raw elements.
// Only what image datasets hold is read: unsigned bytes, little-endian integers and floats,
// and fixed-width unicode strings (class names); pickled object arrays never are.
import { DataError } from './idx.ts';

export interface NpyArray {
  readonly shape: readonly number[];
  /** NumPy's dtype string, e.g. '|u1', '<f4', '<U12'. */
  readonly descr: string;
  /** Numbers for numeric arrays (a typed view or copy); strings for '<U' arrays. */
  readonly data:
    | Uint8Array
    | Float32Array
    | Float64Array
    | Int32Array
    | Uint16Array
    | Int16Array
    | Int8Array
    | BigInt64Array
    | BigUint64Array
    | Uint32Array
    | string[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const NUMERIC: Record<string, { bytes: number; view: (b: ArrayBuffer, at: number, n: number) => NpyArray['data'] }> = {
  u1: { bytes: 1, view: (b, at, n) => new Uint8Array(b, at, n) },
  b1: { bytes: 1, view: (b, at, n) => new Uint8Array(b, at, n) },
  i1: { bytes: 1, view: (b, at, n) => new Int8Array(b, at, n) },
  u2: { bytes: 2, view: (b, at, n) => new Uint16Array(b, at, n) },
  i2: { bytes: 2, view: (b, at, n) => new Int16Array(b, at, n) },
  u4: { bytes: 4, view: (b, at, n) => new Uint32Array(b, at, n) },
  i4: { bytes: 4, view: (b, at, n) => new Int32Array(b, at, n) },
  u8: { bytes: 8, view: (b, at, n) => new BigUint64Array(b, at, n) },
  i8: { bytes: 8, view: (b, at, n) => new BigInt64Array(b, at, n) },
  f4: { bytes: 4, view: (b, at, n) => new Float32Array(b, at, n) },
  f8: { bytes: 8, view: (b, at, n) => new Float64Array(b, at, n) },
};

/** Parses the header dict literal; anything but the three keys with literal values is refused. */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const m = /^\{\s*'descr'\s*:\s*'([^']*)'\s*,\s*'fortran_order'\s*:\s*(True|False)\s*,\s*'shape'\s*:\s*\(([\d,\s]*)\)\s*,?\s*\}\s*$/.exec(text.trim());
  if (!m) throw new DataError(file, `has a .npy header that is not NumPy's {'descr', 'fortran_order', 'shape'} dict: ${text.trim().slice(0, 120)}`);
  const shape = m[3]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return { descr: m[1]!, fortran: m[2] === 'True', shape };
}

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((v, i) => bytes[i] === v)) throw new DataError(file, 'is not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new DataError(file, `is .npy format version ${major}; versions 1 to 3 are read`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new DataError(file, 'is truncated inside its .npy header');
  const header = parseHeader(new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen)), file);
  if (header.fortran) throw new DataError(file, 'is stored in Fortran order; save it in C order (np.ascontiguousarray) and try again');
  const count = header.shape.reduce((a, b) => a * b, 1);
  const body = start + headerLen;
  const d = header.descr;
  const unicode = /^[<|=]U(\d+)$/.exec(d);
  if (unicode) {
    const width = Number(unicode[1]);
    if (body + count * width * 4 > bytes.length)
      throw new DataError(file, `is truncated: ${count} strings of ${width} characters need ${count * width * 4} bytes`);
    const strings: string[] = [];
    for (let i = 0; i < count; i++) {
      let s = '';
      for (let c = 0; c < width; c++) {
        const cp = dv.getUint32(body + (i * width + c) * 4, true);
        if (cp === 0) break;
        s += String.fromCodePoint(cp);
      }
      strings.push(s);
    }
    return { shape: header.shape, descr: d, data: strings };
  }
  const type = /^[<|=]([uifb]\d)$/.exec(d)?.[1];
  const t = type ? NUMERIC[type] : undefined;
  if (!t) throw new DataError(file, `holds dtype ${d}; expected unsigned bytes (uint8), little-endian integers or float32/float64`);
  const need = count * t.bytes;
  if (body + need > bytes.length)
    throw new DataError(file, `is truncated: shape (${header.shape.join(', ')}) of ${d} needs ${need} bytes after the header, it has ${bytes.length - body}`);
  if (body + need < bytes.length) throw new DataError(file, `has ${bytes.length - body - need} bytes after its (${header.shape.join(', ')}) ${d} array`);
  // Typed views need aligned offsets: copy the elements into a buffer of their own (a
  // Buffer's slice would share its pool, at another offset).
  const own = new Uint8Array(need);
  own.set(bytes.subarray(body, body + need));
  return { shape: header.shape, descr: d, data: t.view(own.buffer, 0, count) };
}

/** Writes a .npy file (version 1): the test fixtures and the scripts that make them. */
export function writeNpy(shape: readonly number[], descr: string, data: Uint8Array | Float32Array | Int32Array | BigInt64Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += `${' '.repeat(pad % 64)}\n`;
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + header.length + raw.length);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(raw, 10 + header.length);
  return out;
}
