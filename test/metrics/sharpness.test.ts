// Sharpness against PyTorch's exact Hessian (autograd double backward, float64) of the same
// model, weights and subset (scripts/reference/sharpness_reference.py): the top eigenvalue
// by power iteration on Hessian-vector products within 2%, the Hutchinson trace within 3
// standard errors (+2%) of the exact trace. (The products themselves are checked tensor by
// tensor against PyTorch in test/model/hvp.test.ts.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/core/data/sources.ts';
import { Network } from '../../src/core/model/network.ts';
import { train } from '../../src/run/train/train.ts';
import { sharpness, sharpnessSubset } from '../../src/measure/metrics/sharpness.ts';
import { SHARPNESS_REFERENCE } from '../helpers/reference-runs.ts';

describe('sharpness', () => {
  it('matches the exact Hessian of PyTorch: top eigenvalue within 2%, trace within 3 standard errors + 2%', async () => {
    const ref = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'sharpness-reference.json'), 'utf8')) as {
      top_eigenvalue: number;
      trace: number;
    };
    const ds = loadDataset('fashion-mnist-subset');
    const { model, seed, trainExamples, examples } = SHARPNESS_REFERENCE;
    const net = new Network(model, ds.shape, 10);
    const data = { images: ds.train.images.subarray(0, trainExamples * 784), labels: ds.train.labels.subarray(0, trainExamples), count: trainExamples };
    const { weights } = await train(net, data, { seed, epochs: 2, batchSize: 64, optimizer: 'sgd', optimizerOptions: { lr: 0.1 } });
    const s = await sharpness(net, weights, data, { examples, iterations: 50, samples: 30, seed });
    expect(Math.abs(s.topEigenvalue - ref.top_eigenvalue) / ref.top_eigenvalue).toBeLessThanOrEqual(0.02);
    expect(Math.abs(s.trace - ref.trace)).toBeLessThanOrEqual(3 * s.traceStdError + 0.02 * ref.trace);
    expect(s.traceStdError).toBeLessThan(0.2 * ref.trace);
  }, 180_000);

  it('chooses the same seeded subset every time, and a different one for another seed', () => {
    expect(Array.from(sharpnessSubset(1000, 10, 1))).toEqual(Array.from(sharpnessSubset(1000, 10, 1)));
    expect(Array.from(sharpnessSubset(1000, 10, 2))).not.toEqual(Array.from(sharpnessSubset(1000, 10, 1)));
    expect(new Set(sharpnessSubset(1000, 1000, 1)).size).toBe(1000);
  });
});

describe('suite.sharpness', () => {
  it('records the top eigenvalue and the trace of every trained cell in results.csv', async () => {
    const { smallRun } = await import('../helpers/small-run.ts');
    const { dir } = await smallRun({ seeds: [0], epochs: 1, sharpness: { examples: 64, iterations: 5, samples: 3 } });
    const rows = readFileSync(join(dir, 'results.csv'), 'utf8').split('\n');
    for (const metric of ['hessian_top_eigenvalue', 'hessian_trace']) {
      const hits = rows.filter((l) => l.includes(`,train,0,${metric},curvature,`));
      expect(hits.map((l) => l.split(',')[4])).toEqual(['sgd', 'adam']);
      for (const l of hits) expect(Number.isFinite(Number(l.split(',').pop()))).toBe(true);
    }
  }, 180_000);

  it('refuses unknown or non-integer options, naming the field', async () => {
    const { defineSuite } = await import('../../src/run/experiment/suite.ts');
    const { SMALL } = await import('../helpers/small-run.ts');
    expect(() => defineSuite({ ...SMALL, sharpness: { examples: 0 } })).toThrow(/sharpness.examples = 0; expected a positive integer/);
    expect(() => defineSuite({ ...SMALL, sharpness: { power: 3 } as never })).toThrow(/sharpness.power = 3; expected no such option/);
  });
});
