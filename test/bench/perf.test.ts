// `npm run perf -- --quick` runs every benchmark group briefly and writes valid JSON.
// (A smoke test: speed itself is measured by npm run perf, never asserted in tests.) It
// takes a quarter of a minute, so it runs in `npm run test:slow`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import type { PerfFile } from '../../bench/perf-format.ts';

describe.runIf(process.env.OPTROBUST_SLOW === '1')('npm run perf -- --quick', () => {
  it('writes a perf JSON file with figures for every group', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'optrobust-perf-')), 'perf.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/perf.ts', '--quick', '--threads', '1', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8')) as PerfFile;
    expect(file.format).toBe('optrobust-perf/1');
    expect(new Set(file.results.map((x) => x.group))).toEqual(new Set(['ceiling', 'train step', 'optimizer step', 'optimizer step (shaped)', 'evaluation']));
    for (const x of file.results) {
      expect(x.msPerOp, x.name).toBeGreaterThan(0);
      expect(Number.isFinite(x.msPerOp)).toBe(true);
    }
    expect(file.results.find((x) => x.name.startsWith('adam'))?.itemsPerSecond).toBeGreaterThan(0);
    expect(r.stdout).toContain('GFLOP/s');
  }, 300_000);
});
