// The report's pictures as a reader gets them from a real run: the gallery's PNGs are the test
// images themselves (decoded back and compared with the dataset), an attack's magnified
// perturbation is its adversarial image minus the clean one times the stated factor, every
// arm's wrong prediction is marked, and the confusion matrices' diagonals add up to the
// accuracy results.csv reports.
import { beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { read } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import type { CellRecord } from '../../src/run/experiment/store.ts';
import type { CellResult } from '../../src/run/experiment/phases/main.ts';

/** The grey values of a data: URI's PNG. */
const grey = (uri: string): number[] => {
  const png = PNG.sync.read(Buffer.from(uri.replace('data:image/png;base64,', ''), 'base64'));
  return Array.from({ length: png.width * png.height }, (_, i) => png.data[4 * i]!);
};
const section = (html: string, id: string) => new RegExp(`<section id="${id}">.*?</section>`, 's').exec(html)![0];
const detailsOf = (html: string, summary: string) => new RegExp(`<details[^>]*><summary>${summary}\\b.*?</details>`, 's').exec(html)![0];
const images = (html: string) => [...html.matchAll(/<img( class="delta")? src="([^"]+)"/g)].map((m) => ({ delta: !!m[1], uri: m[2]! }));

describe('the report’s pictures', () => {
  let html = '';
  let records: CellRecord[] = [];
  let results = '';
  let classes = '';
  let confusion = '';
  beforeAll(async () => {
    const run = await smallRun({ seeds: [0, 1] });
    html = read(run.dir, 'report.html');
    results = read(run.dir, 'results.csv');
    classes = read(run.dir, 'classes.csv');
    confusion = read(run.dir, 'confusion.csv');
    records = run.records;
  }, 300_000);

  const main = () =>
    records.filter((r) => r.kind === 'result' && r.phase === 'main').map((r) => ({ key: r.key, result: (r as { result: CellResult }).result }));

  it('shows the gallery’s test images themselves, one per class, clean and under every corruption severity', () => {
    const gallery = section(html, 'gallery');
    const ds = loadDataset('fashion-mnist-subset');
    const { indices } = main()[0]!.result.gallery!;
    const clean = images(detailsOf(gallery, 'clean'));
    expect(clean).toHaveLength(10);
    clean.forEach((img, k) =>
      expect(grey(img.uri)).toEqual(Array.from(ds.test.images.subarray(indices[k]! * 784, (indices[k]! + 1) * 784), (v) => Math.round(255 * v))),
    );
    expect(images(detailsOf(gallery, 'gaussian_noise'))).toHaveLength(2 * 10);
    expect(images(detailsOf(gallery, 'rotation'))).toHaveLength(10);
    // The column heads are the classes, in order.
    expect([...detailsOf(gallery, 'clean').matchAll(/<th>([^<]+)<\/th>/g)].map((m) => m[1]).slice(0, 3)).toEqual(['T-shirt/top', 'Trouser', 'Pullover']);
  });

  it('shows each model’s own adversarial image and its perturbation magnified by the factor it states', () => {
    const fgsm = detailsOf(section(html, 'gallery'), 'fgsm');
    const shown = images(fgsm);
    // 2 arms x 10 images, each with its perturbation.
    expect(shown.filter((i) => !i.delta)).toHaveLength(20);
    expect(shown.filter((i) => i.delta)).toHaveLength(20);
    const gain = Number(/perturbation ×([\d.]+)/.exec(fgsm)![1]);
    const clean = images(detailsOf(section(html, 'gallery'), 'clean'));
    let largest = 0;
    for (let k = 0; k < 20; k++) {
      const adv = grey(shown[2 * k]!.uri);
      const delta = grey(shown[2 * k + 1]!.uri);
      const before = grey(clean[k % 10]!.uri);
      // The factor is printed to one decimal: within half a grey level for the largest change, rounding included.
      adv.forEach((v, j) => expect(Math.abs(delta[j]! - Math.max(0, Math.min(255, 128 + gain * (v - before[j]!))))).toBeLessThanOrEqual(1.5));
      adv.forEach((v, j) => (largest = Math.max(largest, Math.abs(v - before[j]!))));
    }
    // FGSM at 0.05 moves pixels by up to 0.05 x 255 = 12.75 grey levels: the largest maps to full contrast.
    expect(largest).toBe(13);
    expect(gain).toBeCloseTo(127 / 13, 1);
  });

  it("marks every arm's wrong predictions and only those", () => {
    const gallery = section(html, 'gallery');
    let wrong = 0;
    let right = 0;
    for (const { result } of main().filter((c) => c.key.seed === 0)) {
      for (const p of result.eval!) p.predicted!.forEach((c, k) => (c === result.gallery!.labels[k] ? right++ : wrong++));
    }
    expect((gallery.match(/class="pr bad"/g) ?? []).length).toBe(wrong);
    expect((gallery.match(/class="pr ok"/g) ?? []).length).toBe(right);
    // The second seed's cells keep no gallery.
    expect(main().filter((c) => c.key.seed === 1 && c.result.gallery)).toEqual([]);
  });

  it('draws confusion matrices whose diagonals add up to the accuracy in results.csv', () => {
    const confusion = section(html, 'confusion');
    const accuracy = (optimizer: string, perturbation: string, severity: string) =>
      results
        .split('\n')
        .filter((l) => l.includes(`,${optimizer},`) && l.includes(`,${perturbation},${severity},accuracy,`))
        .map((l) => Number(l.split(',').at(-1)));
    for (const [perturbation, severity, summary] of [
      ['clean', '0', 'clean'],
      ['gaussian_noise', '0.3', 'gaussian_noise 0.3'],
      ['fgsm', '0.05', 'fgsm 0.05'],
    ] as const) {
      const block = detailsOf(confusion, summary);
      const figures = block.split('<figure').slice(1);
      expect(figures).toHaveLength(2);
      ['sgd', 'adam'].forEach((optimizer, f) => {
        const diagonal = [...figures[f]!.matchAll(/<title>([^<]+) taken for ([^<:]+): (\d+) /g)].filter((m) => m[1] === m[2]).map((m) => Number(m[3]));
        expect(diagonal).toHaveLength(10);
        const seeds = accuracy(optimizer, perturbation, severity);
        expect(seeds).toHaveLength(2);
        expect(diagonal.reduce((a, b) => a + b, 0)).toBeCloseTo(200 * (seeds[0]! + seeds[1]!), 6);
      });
    }
    // gaussian_noise's weaker severity has no matrix.
    expect(confusion).not.toContain('gaussian_noise 0.1');
  });

  it("writes confusion.csv: every (class, predicted) pair at clean and each strongest severity, its diagonal classes.csv's correct counts", () => {
    const rows = confusion
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    // 2 optimizers x 2 seeds x (clean + 3 strongest severities) x 10 x 10
    expect(rows).toHaveLength(2 * 2 * 4 * 100);
    const correct = new Map(
      classes
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .map((c) => [`${c[2]}|${c[3]}|${c[4]}|${c[5]}|${c[6]}`, { correct: c[9], examples: Number(c[8]) }]),
    );
    const examples = new Map<string, number>();
    for (const r of rows) {
      const key = `${r[2]}|${r[3]}|${r[4]}|${r[5]}|${r[6]}`;
      examples.set(key, (examples.get(key) ?? 0) + Number(r[10]));
      if (r[6] === r[8]) expect(r[10]).toBe(correct.get(key)!.correct);
    }
    // Each true class's row sums to its test examples.
    for (const [key, n] of examples) expect(n).toBe(correct.get(key)!.examples);
  });
});
