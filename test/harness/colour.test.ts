// Colour images end to end: a cifar10-cnn-shaped run on a small synthetic folder in CIFAR-10's
// binary format, through the real command line.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cli, read } from '../helpers/cli.ts';
import { writeCifarFolder } from '../helpers/cifar.ts';
import { NIGHTLY_PERTURBATIONS } from '../../suites/nightly.ts';

describe('a CIFAR-10 run', () => {
  it('trains on 3x32x32 images, applies every perturbation and writes the report', async () => {
    const base = mkdtempSync(join(tmpdir(), 'optrobust-cifar-run-'));
    const data = writeCifarFolder(join(base, 'cifar'), 40, 50);
    const out = join(base, 'run');
    const r = await cli(['run', '--suite', 'test/harness/fixtures/cifar-suite.ts', '--data-dir', data, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const rows = parse(read(out, 'results.csv'), { columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((x) => x.dataset))).toEqual(new Set(['cifar10']));
    const perturbed = new Set(rows.filter((x) => x.metric === 'accuracy').map((x) => x.perturbation));
    expect([...perturbed].sort()).toEqual(['clean', ...Object.keys(NIGHTLY_PERTURBATIONS)].sort());
    for (const x of rows.filter((x) => x.metric === 'accuracy')) expect(Number(x.value)).toBeGreaterThanOrEqual(0);
    expect(rows.find((x) => x.metric === 'steps')!.value).toBe('7'); // 200 images, batch 32
    const manifest = JSON.parse(read(out, 'run.json'));
    expect(manifest.config.data.shape).toEqual([3, 32, 32]);
    expect(read(out, 'report.html')).toContain('cifar10');
  });
});
