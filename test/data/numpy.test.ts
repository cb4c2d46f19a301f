// NumPy datasets: .npz archives and folders of .npy files, uint8 or float pixels, NHWC or
// NCHW inferred only when unambiguous, class names from a string array; bad arrays refused
// naming the file (or archive member) and what was expected.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { numpy } from '../../src/core/data/formats/numpy.ts';
import { parseNpy, writeNpy } from '../../src/core/data/npy.ts';
import { DataError } from '../../src/core/data/idx.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-npy-'));

/** Pixel value of example e, channel c, row y, column x: a pattern that tells every axis apart. */
const value = (e: number, c: number, y: number, x: number) => (e * 37 + c * 101 + y * 13 + x * 3) % 256;

/** Images [n, c, h, w] laid out as `layout`, as uint8. */
function images(n: number, c: number, h: number, w: number, layout: 'NCHW' | 'NHWC' | 'NHW'): { shape: number[]; data: Uint8Array } {
  const data = new Uint8Array(n * c * h * w);
  let i = 0;
  if (layout === 'NHWC')
    for (let e = 0; e < n; e++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) data[i++] = value(e, ch, y, x);
  else for (let e = 0; e < n; e++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[i++] = value(e, ch, y, x);
  return { shape: layout === 'NHW' ? [n, h, w] : layout === 'NHWC' ? [n, h, w, c] : [n, c, h, w], data };
}

const labels = (n: number, k = 3) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i % k));

function npz(arrays: Record<string, Uint8Array>): string {
  const file = join(tmp(), 'data.npz');
  writeFileSync(file, zipSync(Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${k}.npy`, v]))));
  return file;
}

function standard(layout: 'NCHW' | 'NHWC' | 'NHW', c = 3, h = 5, w = 4): Record<string, Uint8Array> {
  const tr = images(6, c, h, w, layout);
  const te = images(3, c, h, w, layout);
  return {
    x_train: writeNpy(tr.shape, '|u1', tr.data),
    y_train: writeNpy([6], '<i8', labels(6)),
    x_test: writeNpy(te.shape, '|u1', te.data),
    y_test: writeNpy([3], '<i8', labels(3)),
  };
}

const refusal = async (path: string, options: Record<string, unknown> = {}) => {
  try {
    await numpy.load(path, { name: 't', options });
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('NumPy datasets', () => {
  it('reads NHWC and NCHW to the same [C, H, W] pixels (bytes / 255), and (N, H, W) as grayscale', async () => {
    const a = await numpy.load(npz(standard('NHWC')), { name: 't' });
    const b = await numpy.load(npz(standard('NCHW')), { name: 't' });
    expect(a.shape).toEqual([3, 5, 4]);
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    expect(a.fingerprint).toBe(b.fingerprint);
    // Example 1, channel 2, row 3, column 1.
    expect(a.train.images[1 * 60 + 2 * 20 + 3 * 4 + 1]).toBe(Math.fround(value(1, 2, 3, 1) / 255));
    const g = await numpy.load(npz(standard('NHW', 1)), { name: 't' });
    expect(g.shape).toEqual([1, 5, 4]);
    expect(g.numClasses).toBe(3);
    expect(g.classes).toEqual(['0', '1', '2']);
  });

  it('reads a folder of .npy files, renamed keys, float32 pixels and a classes array', async () => {
    const dir = tmp();
    const s = standard('NCHW');
    const floats = new Float32Array(images(6, 3, 5, 4, 'NCHW').data).map((v) => v / 255);
    writeFileSync(join(dir, 'train_x.npy'), writeNpy([6, 3, 5, 4], '<f4', floats));
    writeFileSync(join(dir, 'y_train.npy'), s.y_train!);
    writeFileSync(
      join(dir, 'x_test.npy'),
      writeNpy(
        [3, 3, 5, 4],
        '<f4',
        new Float32Array(images(3, 3, 5, 4, 'NCHW').data).map((v) => v / 255),
      ),
    );
    writeFileSync(join(dir, 'y_test.npy'), s.y_test!);
    const names = ['cat', 'dög', '猫'];
    const u = new Uint32Array(3 * 3);
    names.forEach((n, i) => [...n].forEach((ch, j) => (u[i * 3 + j] = ch.codePointAt(0)!)));
    writeFileSync(join(dir, 'classes.npy'), writeNpy([3], '<U3', new Int32Array(u.buffer)));
    const d = await numpy.load(dir, { name: 't', options: { keys: { xTrain: 'train_x' } } });
    expect(d.classes).toEqual(names);
    expect(d.train.images[7]).toBe(floats[7]);
  });

  it('reads 150,000 labels (the class count found without spreading them into one call)', async () => {
    const n = 150_000;
    const file = npz({
      x_train: writeNpy([n, 1, 1], '|u1', new Uint8Array(n)),
      y_train: writeNpy([n], '<i8', labels(n, 5)),
      x_test: writeNpy([3, 1, 1], '|u1', new Uint8Array(3)),
      y_test: writeNpy([3], '<i8', labels(3)),
    });
    const d = await numpy.load(file, { name: 't' });
    expect(d.numClasses).toBe(5);
    expect(d.train.count).toBe(n);
  });

  it('parses .npy headers of versions 1 to 3 and refuses Fortran order', () => {
    const v1 = writeNpy([2], '<i8', labels(2));
    expect(parseNpy(v1, 'v1').shape).toEqual([2]);
    const fortran = new TextDecoder('latin1').decode(v1).replace("'fortran_order': False", "'fortran_order': True ");
    expect(() =>
      parseNpy(
        Uint8Array.from(fortran, (c) => c.charCodeAt(0)),
        'f.npy',
      ),
    ).toThrow(/f\.npy: is stored in Fortran order/);
  });

  describe('refuses bad arrays naming the file or member', () => {
    it('a missing array', async () => {
      const { y_test: _, ...rest } = standard('NCHW');
      expect(await refusal(npz(rest))).toMatch(/data\.npz: has no array "y_test" \(y_test\.npy\); it holds x_train\.npy, y_train\.npy, x_test\.npy/);
    });
    it('labels and images of different lengths', async () => {
      expect(await refusal(npz({ ...standard('NCHW'), y_test: writeNpy([2], '<i8', labels(2)) }))).toMatch(
        /data\.npz\[y_test\]: holds 2 labels but its images are 3/,
      );
    });
    it('an ambiguous layout unless declared', async () => {
      const s = standard('NCHW', 3, 3, 3);
      expect(await refusal(npz(s))).toMatch(/data\.npz\[x_train\]: has shape \(6, 3, 3, 3\), which reads as NHWC and as NCHW; set the dataset's layout/);
      expect((await numpy.load(npz(s), { name: 't', options: { layout: 'NCHW' } })).shape).toEqual([3, 3, 3]);
    });
    it('NaN and out-of-range float pixels', async () => {
      const x = new Float32Array(6 * 20).fill(0.5);
      x[17] = Number.NaN;
      expect(await refusal(npz({ ...standard('NHW', 1), x_train: writeNpy([6, 5, 4], '<f4', x) }))).toMatch(
        /\[x_train\]: pixel 17 is NaN; float pixels must be finite and in \[0, 1\]/,
      );
      x[17] = 255;
      expect(await refusal(npz({ ...standard('NHW', 1), x_train: writeNpy([6, 5, 4], '<f4', x) }))).toMatch(/pixel 17 is 255/);
    });
    it('a label outside numClasses, and a truncated array', async () => {
      expect(await refusal(npz(standard('NHW', 1)), { numClasses: 2 })).toMatch(/\[y_train\]: label 2 at index 2 is outside 0\.\.1/);
      const s = standard('NHW', 1);
      expect(await refusal(npz({ ...s, x_test: s.x_test!.subarray(0, s.x_test!.length - 5) }))).toMatch(/\[x_test\]: is truncated/);
    });
    it('a file that is not a zip archive', async () => {
      const file = join(tmp(), 'x.npz');
      writeFileSync(file, 'not a zip');
      expect(await refusal(file)).toMatch(/x\.npz: is not a readable \.npz \(zip\) archive/);
    });
  });
});
