// Datasets: the embedded subset loads as documented; broken folders fail with the file named.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, resolveDatasetDir } from '../../src/data/sources.ts';
import { loadIdxFolder } from '../../src/data/dataset.ts';
import { encodeIdx } from '../../src/data/idx.ts';

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
    expect(() => loadDataset('cifar')).toThrow(/unknown dataset "cifar"; known: fashion-mnist-subset, fashion-mnist, mnist, kmnist/);
  });
});
