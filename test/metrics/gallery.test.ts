// What the report's gallery and confusion matrices are made of: the gallery's examples (one per
// class, the same whatever the cell), the watched predictions (the argmax of the model's own
// logits, -1 when not finite), the confusion matrix (rows sum to the class counts, the diagonal
// is the per-class count of correct examples), and which sweep points keep their 8-bit images.
import { describe, expect, it } from 'vitest';
import { galleryIndices, galleryPixels, decodePixels, GALLERY_SIZE } from '../../src/measure/metrics/gallery.ts';
import { emptyTally, scores, tallyLogits, CONFUSION_MAX_CLASSES } from '../../src/measure/metrics/classification.ts';
import { evaluate } from '../../src/measure/metrics/evaluate.ts';
import { evaluateSweeps } from '../../src/measure/metrics/robustness.ts';
import { gradientOracle } from '../../src/measure/metrics/gradient-oracle.ts';
import { Network } from '../../src/core/model/network.ts';
import { loadDataset } from '../../src/core/data/sources.ts';

describe('the gallery', () => {
  it('takes one test example per class, the class in class order, and the same examples however often it is asked', () => {
    const ds = loadDataset('fashion-mnist-subset');
    const idx = galleryIndices(ds.test.labels, ds.test.count, 10);
    expect(idx.map((i) => ds.test.labels[i])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(galleryIndices(ds.test.labels, ds.test.count, 10)).toEqual(idx);
    // A seeded choice within each class, not its first example.
    const firsts = Array.from({ length: 10 }, (_, c) => ds.test.labels.indexOf(c));
    expect(idx.filter((i, c) => i !== firsts[c]).length).toBeGreaterThan(5);
    // Only the first `count` examples are candidates.
    for (const i of galleryIndices(ds.test.labels, 50, 10)) expect(i).toBeLessThan(50);
  });

  it('shows GALLERY_SIZE classes of many, and skips a class without test examples', () => {
    const labels = Uint8Array.from({ length: 400 }, (_, i) => i % 40);
    const idx = galleryIndices(labels, 400, 40);
    expect(idx).toHaveLength(GALLERY_SIZE);
    const classes = idx.map((i) => labels[i]!);
    expect(new Set(classes).size).toBe(GALLERY_SIZE);
    expect([...classes].sort((a, b) => a - b)).toEqual(classes);
    const missing = Uint8Array.from({ length: 30 }, (_, i) => (i % 3 === 1 ? 0 : i % 3));
    expect(galleryIndices(missing, 30, 3).map((i) => missing[i])).toEqual([0, 2]);
  });

  it('keeps images as 8-bit pixels: k/255 values exactly, others rounded and clamped', () => {
    const images = Float32Array.from([0, 1, 3 / 255, 0.5, -0.2, 1.7, Number.NaN, 0.25]);
    const px = decodePixels(galleryPixels(images, [1, 0], 4));
    expect(Array.from(px)).toEqual([0, 255, 0, 64, 0, 255, 3, 128]);
  });
});

describe('confusion matrices', () => {
  it("count (label, predicted) pairs: rows sum to the class counts, the diagonal is each class's correct count", () => {
    // 3 classes, 5 examples: labels 0 1 2 2 1; argmaxes 0 2 2 1 0 (the tie [2, 2, 0] takes the first maximum).
    const logits = Float32Array.from([3, 1, 0, 0, 1, 2, 0, 0, 5, 1, 4, 1, 2, 2, 0]);
    const labels = [0, 1, 2, 2, 1];
    const t = emptyTally(3);
    tallyLogits(t, logits, labels, 5, 3);
    const s = scores(t);
    expect(s.confusion).toEqual([1, 0, 0, 1, 0, 1, 0, 1, 1]);
    expect(s.classCorrect).toEqual([1, 0, 1]);
  });

  it('are left out above CONFUSION_MAX_CLASSES classes and with non-finite logits', () => {
    const many = emptyTally(CONFUSION_MAX_CLASSES + 1);
    tallyLogits(many, new Float32Array(CONFUSION_MAX_CLASSES + 1), [0], 1, CONFUSION_MAX_CLASSES + 1);
    expect(scores(many).confusion).toBeUndefined();
    const bad = emptyTally(2);
    tallyLogits(bad, Float32Array.from([Number.NaN, 0]), [0], 1, 2);
    expect(scores(bad).confusion).toBeUndefined();
  });
});

describe('a sweep with a gallery', () => {
  it("records the watched examples' predictions as the argmax of the model's logits, and images where asked", async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const test = { images: ds.test.images.subarray(0, 120 * 784), labels: ds.test.labels.subarray(0, 120), count: 120 };
    const net = new Network({ kind: 'mlp', hidden: [8] }, ds.shape, 10);
    const weights = net.initWeights(3);
    const indices = galleryIndices(test.labels, test.count, 10);
    const argmax = async (images: Float32Array) => {
      const logits = await net.predict(weights, images, test.count);
      return indices.map((i) => {
        const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
        return row.indexOf(Math.max(...row));
      });
    };
    // Two batches (EVAL_BATCH-sized batches would hold all 120): the watched examples are found in whichever batch holds them.
    const watched = await evaluate(net, weights, test, test.images, { batch: 50, watch: indices });
    expect(watched.predicted).toEqual(await argmax(test.images));
    const sweeps = { gaussian_noise: [0.2], fgsm: [0.03, 0.1] };
    const oracle = gradientOracle(net, weights);
    for (const images of ['all', 'model', 'none'] as const) {
      const points = await evaluateSweeps(net, weights, test, ds.shape, sweeps, 0, oracle, undefined, { indices, images });
      expect(points.map((p) => p.predicted?.length)).toEqual([10, 10, 10, 10]);
      expect(points[0]!.predicted).toEqual(watched.predicted);
      const kept = points.map((p) => p.pixels !== undefined);
      expect(kept).toEqual(images === 'all' ? [true, true, true, true] : images === 'model' ? [false, false, true, true] : [false, false, false, false]);
      // Confusion at clean and at each perturbation's strongest severity only.
      expect(points.map((p) => p.confusion !== undefined)).toEqual([true, true, false, true]);
      if (images === 'all') {
        const clean = decodePixels(points[0]!.pixels!);
        // The built-in data are k/255: the 8-bit images are the test images exactly.
        indices.forEach((i, k) => {
          for (let j = 0; j < 784; j += 37) expect(clean[k * 784 + j]).toBe(Math.round(255 * test.images[i * 784 + j]!));
        });
      }
    }
    const none = await evaluateSweeps(net, weights, test, ds.shape, sweeps, 0, oracle);
    expect(none.some((p) => p.predicted || p.pixels)).toBe(false);
  });

  it('predicts -1 for an example whose logits are not finite', async () => {
    const ds = loadDataset('fashion-mnist-subset');
    const test = { images: ds.test.images.subarray(0, 20 * 784).slice(), labels: ds.test.labels.subarray(0, 20), count: 20 };
    const net = new Network({ kind: 'mlp', hidden: [8] }, ds.shape, 10);
    const weights = net.initWeights(1);
    test.images[5 * 784 + 100] = Number.NaN;
    const s = await evaluate(net, weights, test, test.images, { watch: [5, 6] });
    expect(s.predicted![0]).toBe(-1);
    expect(s.predicted![1]).toBeGreaterThanOrEqual(0);
  });
});
