// Image folders read as torchvision reads them: the pixels torchvision's ImageFolder +
// Resize + CenterCrop + ToTensor give (scripts/reference/image_folder_reference.py), the same
// class indices and order, files that are not images skipped and counted, and every kind of
// bad folder refused naming the file.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { unzipSync } from 'fflate';
import { parseNpy } from '../../src/core/data/npy.ts';
import { imageFolder } from '../../src/core/data/formats/image-folder.ts';
import { ROOT } from '../helpers/cli.ts';
import { DataError } from '../../src/core/data/idx.ts';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'image-folder');
const ref = unzipSync(readFileSync(join(FIXTURE, 'reference.npz')));
const array = (name: string) => parseNpy(ref[`${name}.npy`]!, name);
const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-images-'));

/** A PNG of the given size: grey (1 channel) or RGB, pixel values from `value(x, y, channel)`. */
function png(width: number, height: number, channels: 1 | 3, value: (x: number, y: number, c: number) => number): Buffer {
  const p = new PNG({ width, height, colorType: channels === 1 ? 0 : 2, inputColorType: 2, inputHasAlpha: false });
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = value(x, y, channels === 1 ? 0 : c);
  p.data = data;
  return PNG.sync.write(p, { colorType: channels === 1 ? 0 : 2, inputColorType: 2, inputHasAlpha: false });
}

/** A folder ROOT/{train,test}/<class>/<i>.png from a plan { split: { class: count } }. */
function folder(plan: Record<string, Record<string, number>>, make = (i: number) => png(8, 8, 1, (x, y) => (x * 31 + y * 7 + i) % 256)): string {
  const root = tmp();
  for (const [split, classes] of Object.entries(plan)) {
    for (const [cls, n] of Object.entries(classes)) {
      mkdirSync(join(root, split, cls), { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(join(root, split, cls, `${i}.png`), make(i));
    }
  }
  return root;
}

const loadError = async (root: string, options: Record<string, unknown> = {}) => {
  try {
    await imageFolder.load(root, { name: 't', options });
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected the folder to be refused');
};

describe('image folders as torchvision reads them', () => {
  for (const [channels, suffix] of [
    [3, 'rgb'],
    [1, 'grey'],
  ] as const) {
    it(`decodes PNG, JPEG, RGBA, palette and grey files, resized and cropped, to torchvision's pixels exactly (channels ${channels})`, async () => {
      const d = await imageFolder.load(join(FIXTURE, 'root'), { name: 't', options: { channels, size: 32 } });
      expect(d.shape).toEqual([channels, 32, 32]);
      expect(d.classes).toEqual(array('classes').data);
      for (const split of ['train', 'test'] as const) {
        const expected = array(`x_${split}_${suffix}`).data as Uint8Array;
        const labels = Array.from(array(`y_${split}`).data as BigInt64Array, Number);
        expect(Array.from(d[split].labels)).toEqual(labels);
        // ToTensor divides bytes by 255 in float32; so does optrobust.
        const ours = Uint8Array.from(d[split].images, (v) => Math.round(v * 255));
        let differ = 0;
        for (let i = 0; i < ours.length; i++) if (ours[i] !== expected[i] || Math.fround(expected[i]! / 255) !== d[split].images[i]) differ++;
        expect(differ).toBe(0);
        // The fixture holds JPEGs in both splits: their pixels are checked too.
        expect((array(`jpeg_${split}`).data as Uint8Array).some((j) => j === 1)).toBe(true);
      }
    });
  }

  it('skips files that are not images, as torchvision does, and says how many', async () => {
    const d = await imageFolder.load(join(FIXTURE, 'root'), { name: 't', options: { channels: 3, size: 32 } });
    expect(d.skipped?.count).toBe(4);
    expect(d.skipped?.examples).toContain(join('train', 'cat', 'README.md'));
  });

  it('infers grayscale from the files and keeps sizes as they are; classes sort by code point', async () => {
    const root = folder({ train: { b: 2, B: 1, a: 1 }, test: { b: 1, B: 1, a: 1 } });
    const d = await imageFolder.load(root, { name: 't' });
    expect(d.shape).toEqual([1, 8, 8]);
    expect(d.classes).toEqual(['B', 'a', 'b']);
    expect(Array.from(d.train.labels)).toEqual([0, 1, 2, 2]);
  });

  it('splits one folder of classes by testFraction: stratified, seeded, each split in torchvision order', async () => {
    const root = folder({ all: { x: 10, y: 20 } });
    const load = (seed: number) => imageFolder.load(join(root, 'all'), { name: 't', options: { testFraction: 0.2, splitSeed: seed } });
    const a = await load(0);
    expect([a.train.count, a.test.count]).toEqual([24, 6]);
    expect(Array.from(a.test.labels)).toEqual([0, 0, 1, 1, 1, 1]);
    expect((await load(0)).fingerprint).toBe(a.fingerprint);
    expect((await load(1)).fingerprint).not.toBe(a.fingerprint);
  });

  it('identifies the data by its decoded pixels, labels and class names', async () => {
    const a = await imageFolder.load(folder({ train: { a: 1, b: 1 }, test: { a: 1, b: 1 } }), { name: 't' });
    const b = await imageFolder.load(folder({ train: { a: 1, b: 1 }, test: { a: 1, b: 1 } }), { name: 't' });
    const renamed = await imageFolder.load(folder({ train: { a: 1, c: 1 }, test: { a: 1, c: 1 } }), { name: 't' });
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(renamed.fingerprint).not.toBe(a.fingerprint);
  });

  describe('refuses bad folders naming the file', () => {
    it('an empty class folder', async () => {
      const root = folder({ train: { a: 1, b: 1 }, test: { a: 1, b: 1 } });
      mkdirSync(join(root, 'test', 'c'));
      mkdirSync(join(root, 'train', 'c'));
      expect(await loadError(root)).toMatch(/train\/c: class folder "c" holds no image files/);
    });
    it('a file that is not an image under an image name, and a truncated PNG and JPEG', async () => {
      const root = folder({ train: { a: 2 }, test: { a: 1 } });
      writeFileSync(join(root, 'train', 'a', '0.png'), 'hello');
      expect(await loadError(root)).toMatch(/train\/a\/0\.png: is not a PNG, JPEG, WebP or BMP file/);
      writeFileSync(join(root, 'train', 'a', '0.png'), png(8, 8, 3, () => 9).subarray(0, 60));
      expect(await loadError(root)).toMatch(/train\/a\/0\.png: is a damaged or truncated PNG file/);
      const jpeg = readFileSync(join(FIXTURE, 'root', 'train', 'cat', '006.jpg'));
      writeFileSync(join(root, 'train', 'a', '0.png'), jpeg.subarray(0, jpeg.length - 400));
      expect(await loadError(root)).toMatch(/train\/a\/0\.png: is a truncated JPEG file/);
    });
    it('mixed sizes without size, listing the first mismatches', async () => {
      const root = folder({ train: { a: 3 }, test: { a: 1 } }, (i) => png(8 + (i === 2 ? 4 : 0), 8, 1, () => 1));
      expect(await loadError(root)).toMatch(/train\/a\/0\.png: is 8x8 but 1 image\(s\) differ: .*train\/a\/2\.png is 12x8; set the dataset's size/);
    });
    it('grey and colour files mixed without channels', async () => {
      const root = folder({ train: { a: 2 }, test: { a: 1 } }, (i) => png(8, 8, i === 1 ? 3 : 1, (x, _y, c) => x * 20 + c));
      expect(await loadError(root)).toMatch(/train\/a\/1\.png: is colour but .*0\.png is grayscale; set the dataset's channels/);
    });
    it('a symbolic link loop', async () => {
      const root = folder({ train: { a: 1 }, test: { a: 1 } });
      symlinkSync(join(root, 'train', 'a'), join(root, 'train', 'a', 'again'));
      expect(await loadError(root)).toMatch(/train\/a\/again: is a symbolic link loop/);
    });
    it('a folder without train/ and test/, and one without any class', async () => {
      expect(await loadError(folder({ a: { x: 1 } }))).toMatch(/expected train\/ and test\/ folders/);
      const root = tmp();
      mkdirSync(join(root, 'train'));
      mkdirSync(join(root, 'test'));
      expect(await loadError(root)).toMatch(/train: holds no class folders/);
    });
    it('train/ and test/ with different classes', async () => {
      expect(await loadError(folder({ train: { a: 1, b: 1 }, test: { a: 1 } }))).toMatch(/must hold the same class folders.*only in train\/: b/);
    });
    it('a file type torchvision lists but optrobust does not decode', async () => {
      const root = folder({ train: { a: 1 }, test: { a: 1 } });
      writeFileSync(join(root, 'train', 'a', 'x.tiff'), 'II*\u0000');
      expect(await loadError(root)).toMatch(/train\/a\/x\.tiff: is a \.tiff file; optrobust reads PNG, JPEG, WebP and BMP/);
    });
  });
});
