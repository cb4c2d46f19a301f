// Datasets: the embedded subset loads as documented; broken folders fail with the file named.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { cifarRecords, RECORD, writeCifarFolder } from '../helpers/cifar.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, resolveDatasetDir } from '../../src/core/data/sources.ts';
import { loadIdxFolder } from '../../src/core/data/formats/idx.ts';
import { encodeIdx } from '../../src/core/data/idx.ts';

const subset = resolveDatasetDir('fashion-mnist-subset');

function folderWith(overrides: Record<string, Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'optrobust-data-'));
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    if (overrides[f]) writeFileSync(join(dir, f), overrides[f]!);
    else copyFileSync(join(subset, f), join(dir, f));
  }
  return dir;
}

describe('the embedded Fashion-MNIST subset', () => {
  const ds = loadDataset('fashion-mnist-subset');

  it('holds 10,000 training and 2,000 test images of 1x28x28, class-balanced', () => {
    expect(ds.shape).toEqual([1, 28, 28]);
    expect(ds.train.count).toBe(10_000);
    expect(ds.test.count).toBe(2_000);
    for (let c = 0; c < 10; c++) {
      expect(ds.train.labels.filter((l) => l === c).length).toBe(1000);
      expect(ds.test.labels.filter((l) => l === c).length).toBe(200);
    }
  });

  it('scales pixels to [0, 1] with both ends present', () => {
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.test.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });
});

describe('dataset errors name the file and the problem', () => {
  it('an image/label count mismatch', () => {
    const dir = folderWith({ 't10k-labels-idx1-ubyte.gz': encodeIdx([5], new Uint8Array(5)) });
    expect(() => loadIdxFolder(dir, 'x')).toThrow(/t10k-labels-idx1-ubyte.gz: holds 5 labels but .*t10k-images-idx3-ubyte.gz holds 2000 images/);
  });

  it('a label outside the classes', () => {
    const labels = new Uint8Array(2000);
    labels[17] = 12;
    const dir = folderWith({ 't10k-labels-idx1-ubyte.gz': encodeIdx([2000], labels) });
    expect(() => loadIdxFolder(dir, 'x')).toThrow(/t10k-labels-idx1-ubyte.gz: label 12 at index 17 is outside 0..9/);
  });

  it('images given where labels belong', () => {
    const dir = folderWith({ 'train-labels-idx1-ubyte.gz': encodeIdx([2, 2, 2], new Uint8Array(8)) });
    expect(() => loadIdxFolder(dir, 'x')).toThrow(/train-labels-idx1-ubyte.gz: expected 1 dimension \[count\], got \[2, 2, 2\]/);
  });

  it('missing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optrobust-empty-'));
    expect(() => loadIdxFolder(dir, 'x')).toThrow(/missing train-images-idx3-ubyte\(\.gz\), train-labels/);
  });

  it('a missing full dataset says how to install it', () => {
    const old = process.env.OPTROBUST_CACHE;
    process.env.OPTROBUST_CACHE = mkdtempSync(join(tmpdir(), 'optrobust-cache-'));
    try {
      expect(() => resolveDatasetDir('mnist')).toThrow(/mnist: dataset not found .*run `optrobust data fetch mnist`/);
    } finally {
      if (old === undefined) delete process.env.OPTROBUST_CACHE;
      else process.env.OPTROBUST_CACHE = old;
    }
  });

  it('an unknown dataset name lists the known ones', () => {
    expect(() => loadDataset('cifar')).toThrow(/unknown dataset "cifar"; known: fashion-mnist-subset, mnist-subset, fashion-mnist, mnist, kmnist, cifar10/);
  });
});

describe("CIFAR-10's binary format", () => {
  const tmpDir = () => mkdtempSync(join(tmpdir(), 'optrobust-cifar-'));

  it("reads the six batches: labels, and each record's 3,072 bytes as [C, H, W] pixels in [0, 1]", () => {
    const dir = writeCifarFolder(tmpDir(), 12, 7);
    const ds = loadDataset('cifar10', dir);
    expect(ds.shape).toEqual([3, 32, 32]);
    expect([ds.train.count, ds.test.count, ds.numClasses]).toEqual([60, 7, 10]);
    // Training record 12 is batch 2's first: its label and its green pixel at row 5, column 9.
    const batch2 = readFileSync(join(dir, 'data_batch_2.bin'));
    expect(ds.train.labels[12]).toBe(batch2[0]);
    expect(ds.train.images[12 * 3072 + 1 * 1024 + 5 * 32 + 9]).toBe(Math.fround(batch2[1 + 1024 + 5 * 32 + 9]! / 255));
    expect(ds.test.labels[3]).toBe(readFileSync(join(dir, 'test_batch.bin'))[3 * RECORD]);
    expect(loadDataset('cifar10', dir).fingerprint).toBe(ds.fingerprint);
  });

  it('takes the folder holding cifar-10-batches-bin/ as well', () => {
    const parent = tmpDir();
    writeCifarFolder(join(parent, 'cifar-10-batches-bin'), 3, 2);
    expect(loadDataset('cifar10', parent).train.count).toBe(15);
  });

  const broken: [string, (dir: string) => void, RegExp][] = [
    [
      'a truncated batch',
      (d) => writeFileSync(join(d, 'data_batch_4.bin'), cifarRecords(3, 4).subarray(0, 3 * RECORD - 100)),
      /data_batch_4\.bin: holds 9119 bytes, not a whole number of 3073-byte records/,
    ],
    [
      'records of another size (the 100-class CIFAR-100 layout)',
      (d) => writeFileSync(join(d, 'test_batch.bin'), Buffer.alloc(3 * 3074)),
      /test_batch\.bin: holds 9222 bytes, not a whole number of 3073-byte records/,
    ],
    [
      'label 10',
      (d) => {
        const b = cifarRecords(3, 1);
        b[2 * RECORD] = 10;
        writeFileSync(join(d, 'data_batch_1.bin'), b);
      },
      /data_batch_1\.bin: label 10 at record 2 is outside 0\.\.9/,
    ],
    ['a missing batch', (d) => rmSync(join(d, 'data_batch_5.bin')), /not a cifar10 folder \(from --data-dir\): missing data_batch_5\.bin/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`${what}: an error naming the file`, () => {
      const dir = writeCifarFolder(tmpDir(), 3, 3);
      breakIt(dir);
      expect(() => loadDataset('cifar10', dir)).toThrow(message);
    });
  }

  it('a folder of another format given with --data-dir is named as such', () => {
    expect(() => loadDataset('cifar10', subset)).toThrow(
      /not a cifar10 folder \(from --data-dir\): missing data_batch_1\.bin.*test_batch\.bin; cifar10 is data_batch_1\.bin/,
    );
    expect(() => loadDataset('mnist', writeCifarFolder(tmpDir(), 1, 1))).toThrow(
      /not a mnist folder \(from --data-dir\): missing train-images-idx3-ubyte\(\.gz\)/,
    );
  });
});
