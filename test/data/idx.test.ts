// The IDX reader accepts the MNIST family's files and names the file and the problem otherwise.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx } from '../../src/core/data/idx.ts';

const header = (magic: number, dims: number[]) => {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
};

describe('parseIdx', () => {
  it('reads plain and gzipped files alike', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    for (const gz of [false, true]) {
      const parsed = parseIdx(encodeIdx([2, 3], data, gz), 'x.idx');
      expect(parsed.dims).toEqual([2, 3]);
      expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('writes the magic numbers of MNIST images and labels', () => {
    expect(encodeIdx([1, 2, 2], new Uint8Array(4), false).readUInt32BE(0)).toBe(0x00000803);
    expect(encodeIdx([3], new Uint8Array(3), false).readUInt32BE(0)).toBe(0x00000801);
  });

  it('rejects a bad magic number, naming the file', () => {
    expect(() => parseIdx(Buffer.concat([header(0x12345678, []), Buffer.alloc(4)]), 'bad.idx')).toThrow(
      /^bad.idx: bad magic number 0x12345678; expected 0x00000801/,
    );
  });

  it('rejects element types other than unsigned bytes', () => {
    expect(() => parseIdx(Buffer.concat([header(0x00000d01, [1]), Buffer.alloc(4)]), 'f.idx')).toThrow(/f.idx: element type 0xd is not supported/);
  });

  it('rejects a byte count that disagrees with the dimensions, both ways', () => {
    expect(() => parseIdx(Buffer.concat([header(0x00000803, [2, 2, 2]), Buffer.alloc(7)]), 'short.idx')).toThrow(
      /short.idx: dimensions \[2, 2, 2\] need 8 data bytes but the file has 7/,
    );
    expect(() => parseIdx(Buffer.concat([header(0x00000801, [2]), Buffer.alloc(3)]), 'long.idx')).toThrow(/need 2 data bytes but the file has 3/);
  });

  it('rejects a truncated header and corrupt gzip data', () => {
    expect(() => parseIdx(Buffer.from([0, 0, 8, 3, 0, 0]), 'h.idx')).toThrow(/h.idx: header announces 3 dimensions but the file has only 6 bytes/);
    const gz = gzipSync(Buffer.from('hello'));
    expect(() => parseIdx(gz.subarray(0, gz.length - 6), 'cut.gz')).toThrow(/cut.gz: corrupt gzip data/);
  });
});
