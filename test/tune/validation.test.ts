// The validation split: carved from the training set only, disjoint from what is
// trained on, seeded, and the same whoever asks (every optimizer, every seed).
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/core/data/sources.ts';
import { holdOut } from '../../src/run/tune/validation.ts';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import { validationSplit } from '../../src/run/experiment/phases/shared.ts';
import { SMALL } from '../helpers/small-run.ts';

const ds = loadDataset('fashion-mnist-subset');
const D = 784;
const row = (images: Float32Array, i: number) => images.subarray(i * D, (i + 1) * D).join();

describe('holdOut', () => {
  const h = holdOut(ds.train, 1000);

  it('splits the training set into disjoint parts that cover it', () => {
    expect(h.validation.count).toBe(1000);
    expect(h.train.count).toBe(ds.train.count - 1000);
    expect(new Set(h.validationIndices).size).toBe(1000);
    // Every validation example is the training example at its index.
    h.validationIndices.forEach((idx, k) => {
      if (k % 50 === 0) expect(row(h.validation.images, k)).toBe(row(ds.train.images, idx));
      expect(h.validation.labels[k]).toBe(ds.train.labels[idx]);
    });
    const validationRows = new Set(Array.from(h.validationIndices, (i) => row(ds.train.images, i)));
    let overlap = 0;
    for (let i = 0; i < h.train.count; i++) if (validationRows.has(row(h.train.images, i))) overlap++;
    // Fashion-MNIST has a handful of exact duplicate images; allow for those, not for a leak.
    expect(overlap).toBeLessThan(5);
  });

  it('never touches the test set', () => {
    const testRows = new Set(Array.from({ length: ds.test.count }, (_, i) => row(ds.test.images, i)));
    let shared = 0;
    for (let k = 0; k < h.validation.count; k++) if (testRows.has(row(h.validation.images, k))) shared++;
    expect(shared).toBeLessThan(3);
  });

  it('is the same split on every call, for every optimizer and seed', () => {
    expect(Array.from(holdOut(ds.train, 1000).validationIndices)).toEqual(Array.from(h.validationIndices));
    const a = defineSuite({ ...SMALL, tune: {} });
    const b = defineSuite({ ...SMALL, seeds: [7], optimizers: [{ name: 'lion' }], tune: {} });
    expect(validationSplit(a, ds).validationIndices).toEqual(validationSplit(b, ds).validationIndices);
  });
});
