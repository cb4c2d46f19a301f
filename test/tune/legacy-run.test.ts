// A tuned run written before quasirandom tuning (its run.json's tune block has no method and
// no search spaces; its trials are keyed by learning rate alone) still reads as the grid it
// was: `optrobust report` re-renders it with the same choices, byte for byte, and `--resume`
// finds nothing missing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallRun } from '../helpers/small-run.ts';
import { runIdentity, type RunManifest } from '../../src/run/experiment/manifest.ts';
import { cli } from '../helpers/cli.ts';

describe('a tuned run from before quasirandom tuning', () => {
  it('is read as the learning-rate grid it ran: the same tuning.csv and results after `report`', async () => {
    const { dir } = await smallRun({ seeds: [0], tune: { method: 'grid', points: 3 } });
    const before = ['tuning.csv', 'results.csv', 'summary.csv'].map((f) => readFileSync(join(dir, f), 'utf8'));
    // Make it as an earlier version wrote it: the tune block as the suite gave it (points: 3), no method; a new identity on every line.
    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunManifest;
    const old = manifest.identity;
    const { method: _m, ...tune } = manifest.config.suite.tune!;
    const config = { ...manifest.config, suite: { ...manifest.config.suite, tune } };
    const identity = runIdentity(config);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...manifest, identity, config }, null, 2));
    writeFileSync(join(dir, 'cells.jsonl'), readFileSync(join(dir, 'cells.jsonl'), 'utf8').replaceAll(old, identity));
    const r = await cli(['report', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(['tuning.csv', 'results.csv', 'summary.csv'].map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(before);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Learning-rate tuning');
    // And it resumes as the grid: nothing is missing.
    const again = await cli(['run', '--resume', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('ran 0 cell(s)');
  }, 120_000);
});
