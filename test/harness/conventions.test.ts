// Command-line conventions: --version, a bare command prints help (and never starts a run),
// unknown commands are errors with a suggestion, `list` describes everything, plain output
// without a terminal or with TERM=dumb, and an end-of-run table that fits 100 columns.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { cli } from '../helpers/cli.ts';
import { createProgress, fancyTerminal } from '../../harness/progress.ts';
import { runView } from '../../src/run/results/view.ts';
import { accuracyTable } from '../../harness/table.ts';
import { listOptimizers, listPerturbations, optimizerDefinition, getPerturbation } from '../../src/index.ts';
import type { CellRecord } from '../../src/run/experiment/store.ts';
import { summarize } from '../../src/measure/metrics/summary.ts';
import nightly from '../../suites/fashion-mnist-mlp.ts';
import pkg from '../../package.json' with { type: 'json' };

describe('command-line conventions', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('a bare optrobust prints the help and exits 0 without running anything', async () => {
    const r = await cli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: optrobust/);
    expect(r.stdout).toMatch(/run \[options\]/);
    expect(r.stderr).toBe('');
  });

  it('an unknown command is an error with a suggestion, exit 2', async () => {
    const r = await cli(['runn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'runn'/);
    expect(r.stderr).toMatch(/Did you mean run\?/);
  });

  it('list shows every optimizer and perturbation with its description', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    for (const n of listOptimizers()) expect(r.stdout).toContain(optimizerDefinition(n).description);
    for (const n of listPerturbations()) expect(r.stdout).toContain(getPerturbation(n).description);
    expect(r.stdout).toMatch(/models:\n {2}mlp +multilayer perceptron/);
  });
});

/** A stream that claims to be a terminal and records what is written. */
function terminal(): NodeJS.WriteStream & { text: string } {
  const s = new Writable({ write: (chunk, _enc, done) => ((s.text += String(chunk)), done()) }) as unknown as NodeJS.WriteStream & { text: string };
  s.text = '';
  s.isTTY = true;
  (s as unknown as { columns: number }).columns = 120;
  return s;
}

describe('progress output', () => {
  it('is plain lines, no escape codes, with TERM=dumb even on a terminal', () => {
    const out = terminal();
    expect(fancyTerminal(out, { TERM: 'dumb' })).toBe(false);
    const p = createProgress(out, { TERM: 'dumb' });
    p.start(2);
    p.begin('sgd/seed 0');
    p.done('sgd/seed 0', 1.25, 'clean accuracy 80.0%');
    p.stop();
    expect(out.text).toBe('[1/2] sgd/seed 0 clean accuracy 80.0% (1.3 s)\n');
  });

  it('on a terminal keeps each finished cell line above the bar', () => {
    const out = terminal();
    const p = createProgress(out, { TERM: 'xterm-256color' });
    p.start(2);
    p.done('sgd/seed 0', 1, 'clean accuracy 80.0%');
    p.done('adam/seed 0', 1, 'clean accuracy 82.0%');
    p.stop();
    expect(out.text).toContain('[1/2] sgd/seed 0 clean accuracy 80.0% (1.0 s)\n');
    expect(out.text).toContain('[2/2] adam/seed 0 clean accuracy 82.0% (1.0 s)\n');
  });
});

describe('the end-of-run table', () => {
  it('says what it averages and fits 100 columns for a nightly-sized suite (12 optimizers x 14 columns)', () => {
    const records: CellRecord[] = nightly.optimizers.map((o) => ({
      kind: 'result',
      phase: 'main',
      key: { model: 'mlp[256,128]', regime: 'standard', optimizer: o.label, seed: 0 },
      result: {
        optimizerName: o.name,
        lr: 0.1,
        diverged: null,
        train: { steps: 1, finalLoss: 0.3, gradNorm: summarize([1]), updateNorm: summarize([0.1]) },
        steps: [],
        tensors: [],
        inputGradients: { l2: summarize([0.1]), l1: summarize([1]) },
        eval: [
          { perturbation: 'clean', severity: 0, accuracy: 0.8125, loss: 0.5 },
          ...Object.entries(nightly.perturbations).flatMap(([p, sev]) => sev.map((s) => ({ perturbation: p, severity: s, accuracy: 0.5, loss: 1 }))),
        ],
      },
      seconds: 1,
    })) as unknown as CellRecord[];
    const table = accuracyTable(runView(nightly, records));
    expect(table).toMatch(/^Clean accuracy, and per perturbation accuracy_auc: the mean accuracy across its sweep\n/);
    expect(table).toMatch(/^\(clean at severity 0\), as in report\.html and summary\.csv; means over 5 seeds;$/m);
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    // every perturbation still has its column, and every optimizer its row in each block
    for (const p of Object.keys(nightly.perturbations)) expect(table).toContain(p);
    expect(table.match(/^momentum /gm)?.length).toBeGreaterThan(1);
    expect(table).toContain('81.3%');
  });
});
