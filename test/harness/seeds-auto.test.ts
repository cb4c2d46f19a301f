// --seeds auto end to end: seeds are added look by look until every headline comparison is
// decided (or the cap), the run's results are those of a fixed-seed run of the seeds it
// reached, byte for byte; resuming a finished run adds nothing; shards run the first look,
// and the merged run, resumed, reaches the same seeds and the same bytes.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { cli, read } from '../helpers/cli.ts';
import { lookInterval, lookLevels, looks } from '../../src/measure/metrics/sequential.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-auto-'));

/** The look sizes and each comparison's paired differences at n seeds, from results.csv (clean accuracy and accuracy_auc). */
function differences(dir: string, n: number): number[][] {
  const rows = parse(read(dir, 'results.csv'), { columns: true }) as Record<string, string>[];
  const score = (o: string, s: number, p: string) =>
    Number(
      rows.find((r) => r.optimizer === o && Number(r.seed) === s && r.perturbation === p && r.metric === (p === 'clean' ? 'accuracy' : 'accuracy_auc'))!.value,
    );
  return ['clean', 'gaussian_noise', 'fgsm'].map((p) => Array.from({ length: n }, (_, s) => score('adam', s, p) - score('sgd', s, p)));
}

/** Runs a fixture with --seeds auto; checks the stopping rule against results.csv; returns the seeds it reached. */
async function autoRun(suite: string, dir: string): Promise<number[]> {
  const r = await cli(['run', '--suite', suite, '--out', dir, '--workers', '2']);
  expect(r.code, r.stderr).toBe(0);
  const seeds = [...new Set((parse(read(dir, 'results.csv'), { columns: true }) as Record<string, string>[]).map((x) => Number(x.seed)))];
  const n = seeds.length;
  expect(seeds).toEqual(Array.from({ length: n }, (_, i) => i));
  // The stopping rule, recomputed from results.csv: every comparison decided at n (or n is the cap), some undecided at each earlier look.
  const sizes = looks(2, 5, 1);
  const levels = lookLevels(sizes, 0.05);
  expect(sizes).toContain(n);
  const decided = (k: number) => differences(dir, sizes[k]!).every((d) => lookInterval(d, levels[k]!, 0.02).decision !== 'undecided');
  const k = sizes.indexOf(n);
  expect(n === 5 || decided(k)).toBe(true);
  for (let j = 0; j < k; j++) expect(decided(j), `look ${sizes[j]}`).toBe(false);
  expect(read(dir, 'report.html')).toContain('Seeds were added until decided');
  return seeds;
}

describe('optrobust run --seeds auto', () => {
  it('adds seeds until decided, as a fixed-seed run of those seeds would give; resuming a finished run adds nothing', async () => {
    const root = tmp();
    const auto = join(root, 'auto');
    const seeds = await autoRun(join(import.meta.dirname, 'fixtures', 'auto-seeds-suite.ts'), auto);
    expect(seeds.length).toBeLessThan(5); // decided before the cap: the fixture's gap is wide
    const fixed = join(root, 'fixed');
    const f = await cli([
      'run',
      '--suite',
      join(import.meta.dirname, 'fixtures', 'auto-seeds-suite.ts'),
      '--seeds',
      seeds.join(','),
      '--out',
      fixed,
      '--workers',
      '2',
    ]);
    expect(f.code, f.stderr).toBe(0);
    for (const file of ['results.csv', 'summary.csv']) expect(read(fixed, file), file).toBe(read(auto, file));
    const again = await cli(['run', '--resume', auto]);
    expect(again.stderr).toContain('ran 0 cell(s)');
    // status counts the run against the seeds it reached, not the cap: complete (exit 0).
    const status = await cli(['status', auto]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain(`main     ${2 * seeds.length} stored`);
    expect(status.stdout).not.toContain('to run');
    expect(readFileSync(join(auto, 'run.json'), 'utf8')).toContain('"autoSeeds"');
  }, 300_000);

  it.runIf(process.env.OPTROBUST_SLOW === '1')(
    'goes on past its first look; shards run the first look and the merged run, resumed, reaches the same bytes',
    async () => {
      const root = tmp();
      const suite = join(import.meta.dirname, 'fixtures', 'auto-seeds-close.ts');
      const whole = join(root, 'whole');
      const seeds = await autoRun(suite, whole);
      expect(seeds.length).toBeGreaterThan(2);
      const shards = [1, 2].map((s) => join(root, `shard${s}`));
      for (const [i, dir] of shards.entries()) {
        const s = await cli(['run', '--suite', suite, '--shard', `${i + 1}/2`, '--out', dir, '--workers', '1']);
        expect(s.code, s.stderr).toBe(0);
      }
      const merged = join(root, 'merged');
      const m = await cli(['merge', ...shards, '--out', merged]);
      expect(m.code, m.stderr).toBe(0);
      const resumed = await cli(['run', '--resume', merged, '--workers', '2']);
      expect(resumed.code, resumed.stderr).toBe(0);
      for (const file of ['results.csv', 'summary.csv']) expect(read(merged, file), file).toBe(read(whole, file));
    },
    300_000,
  );

  it('refuses a bad auto block before anything is written, naming the field', async () => {
    const dir = join(tmp(), 'run');
    const r = await cli(['run', '--suite', join(import.meta.dirname, 'fixtures', 'auto-seeds-bad.ts'), '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('seeds.auto.max = 1; expected an integer from 2 to 1000');
    expect(existsSync(dir)).toBe(false);
  });
});
