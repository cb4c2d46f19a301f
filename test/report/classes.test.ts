// classes.csv: per-class accuracy for every cell, perturbation and severity, with class names;
// the per-class counts sum back to the overall accuracy of results.csv.
import { beforeAll, describe, expect, it } from 'vitest';
import { smallRun } from '../helpers/small-run.ts';
import { csvRows } from '../helpers/csv-rows.ts';
import { CLASS_COLUMNS } from '../../src/present/report/classes.ts';

describe('classes.csv', () => {
  let classes: Record<string, string>[] = [];
  let results: Record<string, string>[] = [];
  beforeAll(async () => {
    const { dir } = await smallRun({ seeds: [0, 1] });
    classes = csvRows(dir, 'classes.csv');
    results = csvRows(dir, 'results.csv');
  }, 300_000);

  it('has a row per cell, point and class, named as the dataset names its classes', () => {
    expect(Object.keys(classes[0]!)).toEqual([...CLASS_COLUMNS]);
    // 2 optimizers x 2 seeds x (clean + 2 noise + fgsm + rotation) points x 10 classes
    expect(classes).toHaveLength(2 * 2 * 5 * 10);
    expect(classes.slice(0, 10).map((r) => r.class_name)).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
    for (const r of classes) expect(Number(r.accuracy)).toBeCloseTo(Number(r.correct) / Number(r.examples), 6);
  });

  it('sums back to the overall accuracy of results.csv in every cell and point (weighted by class counts)', () => {
    const overall = results.filter((r) => r.metric === 'accuracy');
    expect(overall).toHaveLength(2 * 2 * 5);
    for (const o of overall) {
      const mine = classes.filter((c) => c.optimizer === o.optimizer && c.seed === o.seed && c.perturbation === o.perturbation && c.severity === o.severity);
      expect(mine).toHaveLength(10);
      const correct = mine.reduce((s, c) => s + Number(c.correct), 0);
      const examples = mine.reduce((s, c) => s + Number(c.examples), 0);
      expect(examples).toBe(200);
      expect(correct / examples).toBeCloseTo(Number(o.value), 6);
    }
  });
});
