// The findings sentences name the right optimizers. A synthetic run whose ordering is fixed
// by construction (test/helpers/synthetic-run.ts): clean accuracy 0.70 + 0.02·i (+ at most
// 0.01), and a robustness factor 0.3 + 0.5·((7i mod 12)/12) scaling how much accuracy a
// perturbation takes. For sgd, adam, rmsprop (i = 0, 1, 2): clean highest rmsprop (~0.74),
// lowest sgd (~0.70); robustness 0.30, 0.59, 0.38, so at the largest severity adam keeps
// 0.72·(1 - 0.41·0.5) ≈ 0.57 against rmsprop's 0.74·(1 - 0.62·0.5) ≈ 0.51 and sgd's
// 0.70·(1 - 0.70·0.5) ≈ 0.46: adam is the most robust and sgd the least under every
// perturbation, by margins the ±0.005 jitter cannot close.
import { beforeAll, describe, expect, it } from 'vitest';
import { read } from '../helpers/cli.ts';
import { syntheticRun } from '../helpers/synthetic-run.ts';
import { csvRows } from '../helpers/csv-rows.ts';

describe('findings', () => {
  let section = '';
  let summary: Record<string, string>[] = [];
  beforeAll(async () => {
    const dir = await syntheticRun({
      name: 'findings',
      description: 'ordering fixed by construction',
      dataset: 'fashion-mnist-subset',
      model: { kind: 'mlp', hidden: [8] },
      batchSize: 64,
      epochs: 1,
      optimizers: [
        { name: 'sgd', options: { lr: 0.1 } },
        { name: 'adam', options: { lr: 1e-3 } },
        { name: 'rmsprop', options: { lr: 1e-3 } },
      ],
      seeds: [0, 1, 2],
      perturbations: { gaussian_noise: [0.1, 0.2, 0.3], fgsm: [0.05, 0.1] },
    });
    const html = read(dir, 'report.html');
    summary = csvRows(dir, 'summary.csv');
    const at = html.indexOf('<section id="findings">');
    section = html.slice(at, html.indexOf('</section>', at));
  });

  it('names the highest and lowest clean accuracy', () => {
    expect(section).toMatch(
      /Clean accuracy: highest <b>rmsprop<\/b> \(7[34]\.\d%, \+\d\.\d pts against sgd, (q = [\d.]+|n\.s\. \(q = [\d.]+\))\), lowest <b>sgd<\/b> \(70\.\d%\)/,
    );
  });

  it('names the most and the least robust arm under every perturbation', () => {
    expect(section).toMatch(/Most robust <b>adam<\/b> under every perturbation: gaussian_noise \([\d.]+%[^)]*\); fgsm \([\d.]+%[^)]*\)\./);
    expect(section).toMatch(/Least robust <b>sgd<\/b> under every perturbation: gaussian_noise \([\d.]+%\); fgsm \([\d.]+%\)\./);
    expect(section).not.toMatch(/Most robust <b>(sgd|rmsprop)<\/b>/);
  });

  it('says how decisive the run could be: the range of detectable differences and of seeds for 2 points, as summary.csv has them', () => {
    const auc = summary.filter((r) => r.metric === 'accuracy_auc' && r.detectable_diff !== '');
    // adam and rmsprop against sgd under two perturbations.
    expect(auc).toHaveLength(4);
    const pts = auc.map((r) => 100 * Number(r.detectable_diff)).sort((a, b) => a - b);
    const seeds = auc.map((r) => Number(r.seeds_needed)).sort((a, b) => a - b);
    const m = new RegExp(
      'Power: with 3 seeds, these differences could be detected \\(80% power, p &lt; 0\\.05\\) only from ([\\d.]+)-([\\d.]+) pts ' +
        '\\(median ([\\d.]+)\\); detecting 2 pts would take (\\d+)-(\\d+) seeds \\(median (\\d+)\\)',
    ).exec(section);
    expect(m, section).not.toBeNull();
    expect(m!.slice(1, 4)).toEqual([pts[0]!, pts[3]!, pts[1]!].map((v) => v.toFixed(1)));
    expect(m!.slice(4, 7).map(Number)).toEqual([seeds[0], seeds[3], seeds[1]]);
  });
});
