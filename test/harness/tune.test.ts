// `run --tune` end to end: tuning trials, the grid at the chosen rates, the matched view.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cli, read } from '../helpers/cli.ts';

describe('optrobust run --tune', () => {
  it('writes tuning.csv, trains the grid at the chosen rates and reports robustness at matched accuracy', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optrobust-tune-')), 'run');
    const r = await cli(['run', '--suite', 'smoke', '--tune', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const tuning = parse(read(dir, 'tuning.csv'), { columns: true }) as Record<string, string>[];
    // The default protocol: 8 quasirandom trials per optimizer (the same budget for both), each on two seeds.
    expect(tuning).toHaveLength(2 * 8 * 2);
    for (const o of ['sgd', 'adam'])
      expect(new Set(tuning.filter((t) => t.optimizer === o).map((t) => t.trial))).toEqual(new Set(['0', '1', '2', '3', '4', '5', '6', '7']));
    // Plain SGD searches its learning rate and weight decay; Adam also its betas.
    expect(tuning.filter((t) => t.optimizer === 'sgd').every((t) => t.weight_decay !== '' && t.beta1 === '' && t.momentum === '')).toBe(true);
    expect(tuning.filter((t) => t.optimizer === 'adam').every((t) => t.weight_decay !== '' && t.beta1 !== '' && t.beta2 !== '')).toBe(true);
    const chosenRows = tuning.filter((t) => t.chosen === '1');
    expect(chosenRows.map((t) => t.optimizer)).toEqual(['sgd', 'sgd', 'adam', 'adam']);
    const meanOf = (rows: Record<string, string>[]) => rows.reduce((a, t) => a + Number(t.val_accuracy), 0) / rows.length;
    const chosen = ['sgd', 'adam'].map((o) => chosenRows.find((t) => t.optimizer === o)!);
    for (const c of chosen) {
      const mine = tuning.filter((t) => t.optimizer === c.optimizer);
      const trials = [...new Set(mine.map((t) => t.trial))];
      const best = Math.max(...trials.map((i) => meanOf(mine.filter((t) => t.trial === i))));
      expect(meanOf(mine.filter((t) => t.trial === c.trial))).toBeCloseTo(best, 7); // the CSV's float32 decimals
    }
    const results = parse(read(dir, 'results.csv'), { columns: true }) as Record<string, string>[];
    for (const c of chosen) expect(new Set(results.filter((x) => x.optimizer === c.optimizer).map((x) => x.lr))).toEqual(new Set([c.lr]));
    // results.csv's options are those the cells trained with: the chosen weight decay (and Adam's betas), not the suite's.
    for (const c of chosen) {
      const options = new Set(results.filter((x) => x.optimizer === c.optimizer).map((x) => x.options));
      expect(options.size).toBe(1);
      const o = JSON.parse([...options][0]!) as { weightDecay: number; betas?: [number, number] };
      expect(o.weightDecay).toBeCloseTo(Number(c.weight_decay), 6);
      if (c.optimizer === 'adam') expect(o.betas!.map((b) => b.toFixed(5))).toEqual([Number(c.beta1).toFixed(5), Number(c.beta2).toFixed(5)]);
    }
    const matched = results.filter((x) => x.metric === 'matched_accuracy' && x.perturbation === 'clean');
    expect(matched.map((x) => x.optimizer)).toEqual(['sgd', 'adam']);
    // Time to target, from the main cells' validation checkpoints as the store holds them: the target is the lower of the
    // optimizers' final validation accuracies (one seed), and each cell's time the first checkpoint at or above it.
    const mains = read(dir, 'cells.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { phase: string; key: { optimizer: string }; result: { validation?: { step: number; accuracy: number }[] } })
      .filter((x) => x.phase === 'main');
    const target = Math.min(...mains.map((x) => x.result.validation!.at(-1)!.accuracy));
    const steps = results.filter((x) => x.metric === 'steps_to_target');
    expect(steps.map((x) => x.optimizer)).toEqual(['sgd', 'adam']);
    for (const x of steps) {
      const checkpoints = mains.find((m) => m.key.optimizer === x.optimizer)!.result.validation!;
      expect(Number(x.value)).toBe(checkpoints.find((c) => c.accuracy >= target)!.step);
    }
    const html = read(dir, 'report.html');
    expect(html).toContain('Hyperparameter tuning');
    expect(html).toContain('Robustness at matched clean accuracy');
    expect(html).toContain('<th>steps to target</th>');
    expect(html).toMatch(/<td>\d+ <small>≈ [\d.]+ s<\/small><\/td><\/tr>/);
    // The chosen rates beside the findings' scores, as tuning.csv has them (an edge marked).
    const findings = /<section id="findings">.*?<\/section>/s.exec(html)![0];
    for (const c of chosen) {
      const lrEdge = /lr (low|high)/.exec(c.at_edge ?? '')?.[1];
      const edge = lrEdge ? ` <span class="edge" title="at the ${lrEdge} edge of its search range">` : '';
      expect(findings).toContain(`<td><b>${c.optimizer}</b></td><td>${Number(c.lr)} <small>tuned</small>${edge}`);
    }
    // Resuming a finished tuned run runs nothing and changes nothing.
    const before = read(dir, 'results.csv');
    const again = await cli(['run', '--resume', dir]);
    expect(again.stderr).toContain('ran 0 cell(s)');
    expect(read(dir, 'results.csv')).toBe(before);
  }, 300_000);
});
