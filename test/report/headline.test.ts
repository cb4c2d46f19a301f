// One headline score: the terminal table, summary.csv and the report's scores table show the
// same number for every (optimizer, perturbation): clean accuracy, and each perturbation's
// accuracy_auc, means over seeds. Findings say at once whether each difference is significant.
import { beforeAll, describe, expect, it } from 'vitest';
import { read } from '../helpers/cli.ts';
import { SMALL, smallRun } from '../helpers/small-run.ts';
import { csvRows } from '../helpers/csv-rows.ts';
import { accuracyTable, decisivenessLine } from '../../harness/table.ts';
import { runView } from '../../src/run/results/view.ts';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import type { CellRecord } from '../../src/run/experiment/store.ts';

describe('the headline score', () => {
  let dir = '';
  let records: CellRecord[] = [];
  beforeAll(async () => {
    ({ dir, records } = await smallRun({ seeds: [0, 1, 2] }));
  }, 300_000);

  it('is the same number in the terminal table, summary.csv and the report', () => {
    const summary = csvRows(dir, 'summary.csv');
    const expected = (optimizer: string, p: string) => {
      const row = summary.find(
        (r) => r.optimizer === optimizer && r.perturbation === p && r.severity === '0' && r.metric === (p === 'clean' ? 'accuracy' : 'accuracy_auc'),
      )!;
      return (100 * Number(row.mean)).toFixed(1);
    };
    const perturbations = ['clean', 'gaussian_noise', 'fgsm', 'rotation'];
    const table = accuracyTable(runView(defineSuite({ ...SMALL, seeds: [0, 1, 2] }), records));
    const html = read(dir, 'report.html');
    const scores = /<table class="num scores">[\s\S]*?<\/table>/.exec(html)![0];
    for (const optimizer of ['sgd', 'adam']) {
      const want = perturbations.map((p) => expected(optimizer, p));
      const line = table.split('\n').find((l) => l.startsWith(`${optimizer} `))!;
      expect(line.trim().split(/\s+/).slice(1, 5)).toEqual(want.map((v) => `${v}%`));
      const row = new RegExp(`<tr><td><b>${optimizer}</b></td>(.*?)</tr>`).exec(scores)![1]!;
      const cells = [...row.matchAll(/<td>(?:<b>)?([\d.]+)/g)].map((m) => m[1]);
      // The learning rate first, then the scores.
      expect(Number(cells[0])).toBe(SMALL.optimizers.find((o) => o.name === optimizer)!.options!.lr);
      expect(cells.slice(1, 5)).toEqual(want);
    }
    expect(table).toContain('accuracy_auc');
  });

  it('says in each finding whether a difference is significant, and summary.csv has the q-value the report used', () => {
    const html = read(dir, 'report.html');
    const findings = /<section id="findings">[\s\S]*?<\/section>/.exec(html)![0];
    const against = findings.match(/pts against sgd[^)<]*\)?/g) ?? [];
    expect(against.length).toBeGreaterThan(0);
    for (const a of against) expect(a).toMatch(/pts against sgd, (q = [\d.]+|n\.s\. \(q = [\d.]+\)|q = &lt; 0\.001)/);
    const summary = csvRows(dir, 'summary.csv');
    const adam = summary.find((r) => r.optimizer === 'adam' && r.perturbation === 'fgsm' && r.metric === 'accuracy_auc')!;
    expect(Number(adam.q_value)).toBeGreaterThanOrEqual(Number(adam.p_value));
    expect(Number(adam.q_value)).toBeLessThanOrEqual(1);
  });

  it("says under the terminal table what the report's last finding says: significant differences, what was detectable, seeds for 2 points", () => {
    const line = decisivenessLine(runView(defineSuite({ ...SMALL, seeds: [0, 1, 2] }), records));
    const summary = csvRows(dir, 'summary.csv').filter((r) => r.metric === 'accuracy_auc' && r.detectable_diff !== '');
    // adam against sgd under three perturbations.
    expect(summary).toHaveLength(3);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const pts = sorted(summary.map((r) => 100 * Number(r.detectable_diff))).map((v) => v.toFixed(1));
    const seeds = sorted(summary.map((r) => Number(r.seeds_needed))).map(String);
    const significant = summary.filter((r) => Number(r.q_value) < 0.05).length;
    expect(line).toBe(
      `${significant} of 3 robustness differences from sgd are significant (q < 0.05). With 3 seeds\n` +
        `only differences of ${pts[0]}-${pts[2]} pts (median ${pts[1]}) were detectable at 80% power; 2 pts would take\n` +
        `${seeds[0]}-${seeds[2]} seeds (median ${seeds[1]}): summary.csv's detectable_diff and seeds_needed.` +
        (significant < 3 ? '\n--seeds auto adds seeds until each comparison is decided.' : ''),
    );
  });
});
