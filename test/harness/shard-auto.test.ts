// `--shard auto`: the shard from each batch engine's environment (Kubernetes Indexed Job,
// Slurm array, AWS Batch array, GitLab parallel), bad combinations refused with exit 2, and
// shards run that way merge, in any order, into exactly the unsharded run's result files.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { shardFromEnv } from '../../src/run/experiment/shard-env.ts';

/** Every engine variable unset, so that the machine running the tests cannot leak its own. */
const CLEAR = Object.fromEntries(
  [
    'JOB_COMPLETION_INDEX',
    'SLURM_ARRAY_TASK_ID',
    'SLURM_ARRAY_TASK_MIN',
    'SLURM_ARRAY_TASK_MAX',
    'SLURM_ARRAY_TASK_COUNT',
    'SLURM_ARRAY_TASK_STEP',
    'AWS_BATCH_JOB_ARRAY_INDEX',
    'AWS_BATCH_JOB_ARRAY_SIZE',
    'CI_NODE_INDEX',
    'CI_NODE_TOTAL',
    'OPTROBUST_SHARD_COUNT',
  ].map((k) => [k, undefined]),
) as unknown as Record<string, string>;

describe('shardFromEnv', () => {
  it('reads each engine, 0- or 1-based as it numbers its tasks', () => {
    expect(shardFromEnv('auto/4', { JOB_COMPLETION_INDEX: '0' }).shard).toEqual({ index: 1, count: 4 });
    expect(shardFromEnv('auto', { JOB_COMPLETION_INDEX: '3', OPTROBUST_SHARD_COUNT: '4' }).shard).toEqual({ index: 4, count: 4 });
    expect(shardFromEnv('auto', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '3' }).shard).toEqual({ index: 1, count: 3 });
    expect(shardFromEnv('auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }).shard).toEqual({ index: 3, count: 4 });
    expect(shardFromEnv('auto', { AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '2' }).shard).toEqual({ index: 2, count: 2 });
    expect(shardFromEnv('auto', { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '2' }).shard).toEqual({ index: 2, count: 2 });
    expect(shardFromEnv('auto', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }).source).toBe(
      'Slurm job array: SLURM_ARRAY_TASK_ID=4, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_COUNT=4',
    );
  });

  it('refuses what it cannot read unambiguously, naming the variables', () => {
    expect(() => shardFromEnv('auto', {})).toThrow(/no batch engine's array index in the environment; expected one of JOB_COMPLETION_INDEX/);
    expect(() => shardFromEnv('auto/2', { JOB_COMPLETION_INDEX: '0', CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' })).toThrow(
      /several engines' array indices are set \(JOB_COMPLETION_INDEX .*CI_NODE_INDEX/,
    );
    expect(() => shardFromEnv('auto', { JOB_COMPLETION_INDEX: '0' })).toThrow(
      /does not say how many shards there are; use --shard auto\/N or set OPTROBUST_SHARD_COUNT/,
    );
    expect(() => shardFromEnv('auto/3', { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2' })).toThrow(
      /shard count disagrees: CI_NODE_TOTAL says 2, --shard auto\/3 says 3/,
    );
    expect(() => shardFromEnv('auto/2', { JOB_COMPLETION_INDEX: '2' })).toThrow(/gives shard 3 of 2 \(from JOB_COMPLETION_INDEX=2\)/);
    expect(() => shardFromEnv('auto', { AWS_BATCH_JOB_ARRAY_INDEX: 'x', AWS_BATCH_JOB_ARRAY_SIZE: '2' })).toThrow(
      /AWS_BATCH_JOB_ARRAY_INDEX="x" is not a whole number/,
    );
    expect(() =>
      shardFromEnv('auto', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_STEP: '4' }),
    ).toThrow(/SLURM_ARRAY_TASK_STEP=4/);
    expect(() => shardFromEnv('autox', { CI_NODE_INDEX: '1' })).toThrow(/expected auto or auto\/N/);
  });
});

const FILES = ['results.csv', 'summary.csv', 'steps.csv', 'layers.csv'];
const ENGINES: Record<string, (k: number) => Record<string, string>> = {
  kubernetes: (k) => ({ JOB_COMPLETION_INDEX: String(k - 1) }),
  slurm: (k) => ({ SLURM_ARRAY_TASK_ID: String(k), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '2' }),
  aws: (k) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(k - 1), AWS_BATCH_JOB_ARRAY_SIZE: '2' }),
  gitlab: (k) => ({ CI_NODE_INDEX: String(k), CI_NODE_TOTAL: '2' }),
};
const SMOKE = ['run', '--suite', 'smoke', '--seeds', '0,1', '--workers', '1'];
let whole = '';

describe('--shard auto through the command line', () => {
  beforeAll(async () => {
    whole = join(mkdtempSync(join(tmpdir(), 'shard-whole-')), 'run');
    expect((await cli([...SMOKE, '--out', whole], undefined, CLEAR)).code).toBe(0);
  }, 300_000);

  // Every engine's variables are read in shardFromEnv's tests above; end to end, Kubernetes (with an
  // explicit count) runs here and the other three in `npm run test:slow`.
  const endToEnd = process.env.OPTROBUST_SLOW === '1' ? Object.keys(ENGINES) : ['kubernetes'];
  for (const [engine, env] of Object.entries(ENGINES).filter(([e]) => endToEnd.includes(e))) {
    it(`${engine}: two tasks, one command line, DIR/shard-K each; merge DIR equals the unsharded run; run.json names the source`, async () => {
      const base = join(mkdtempSync(join(tmpdir(), `shard-${engine}-`)), 'run');
      for (const k of [2, 1]) {
        const r = await cli([...SMOKE, '--shard', engine === 'kubernetes' ? 'auto/2' : 'auto', '--out', base], undefined, {
          ...CLEAR,
          ...env(k),
        });
        expect(r.code, r.stderr).toBe(0);
        const manifest = JSON.parse(readFileSync(join(base, `shard-${k}`, 'run.json'), 'utf8')) as {
          config: { shard: unknown };
          provenance: { shard: string };
        };
        expect(manifest.config.shard).toEqual({ index: k, count: 2 });
        expect(manifest.provenance.shard).toMatch(new RegExp(Object.keys(env(k))[0]!));
      }
      const merged = join(base, '..', 'merged');
      expect((await cli(['merge', base, '--out', merged])).code).toBe(0);
      for (const f of FILES) expect(readFileSync(join(merged, f), 'utf8'), f).toBe(readFileSync(join(whole, f), 'utf8'));
      if (engine !== 'kubernetes') return;
      // `status` of the folder: each shard, then the folder's line; JSON per shard.
      const status = await cli(['status', base]);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(`${join(base, 'shard-1')}: suite "smoke", shard 1/2`);
      expect(status.stdout).toContain(`${base}: 2 shard(s), 2 complete; merge them with optrobust merge ${base} --out MERGED`);
      const json = JSON.parse((await cli(['status', base, '--json'])).stdout);
      expect(json).toMatchObject({ dir: base, complete: true, etaSeconds: 0 });
      expect(json.shards.map((x: { shard: unknown }) => x.shard)).toEqual([
        { index: 1, count: 2 },
        { index: 2, count: 2 },
      ]);
      // The engine requeues a task with the same command line: its shard continues (here: nothing left to run).
      const again = await cli([...SMOKE, '--shard', 'auto/2', '--out', base], undefined, { ...CLEAR, ...env(1) });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(`${join(base, 'shard-1')} holds this shard's earlier attempt: continuing it`);
      expect(again.stderr).toMatch(/ran 0 cell\(s\)/);
      // Another run's task pointed at the same folder is refused, nothing written.
      const other = await cli([...SMOKE, '--seeds', '5', '--shard', 'auto/2', '--out', base], undefined, { ...CLEAR, ...env(1) });
      expect(other.code).toBe(2);
      expect(other.stderr).toContain(`--out ${base}: ${join(base, 'shard-1')} holds another run (a different suite, data or shard); choose another folder`);
    }, 300_000);
  }

  it('without an engine in the environment: exit 2, the variables it looks for named, nothing written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'shard-none-')), 'run');
    const r = await cli([...SMOKE, '--shard', 'auto', '--out', out], undefined, CLEAR);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard auto: no batch engine's array index .*SLURM_ARRAY_TASK_ID \(Slurm job array\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('run.json records the provenance: the git commit of the work tree, the suite file and its hash', () => {
    const manifest = JSON.parse(readFileSync(join(whole, 'run.json'), 'utf8')) as {
      provenance: { git?: { commit: string; dirty: boolean }; suiteFile: { path: string; sha256: string } };
    };
    expect(manifest.provenance.suiteFile.path).toMatch(/suites[/\\]smoke\.ts$/);
    expect(manifest.provenance.suiteFile.sha256).toMatch(/^[0-9a-f]{64}$/);
    // The tests run inside the repository's work tree (when it is a git checkout).
    if (existsSync(join(import.meta.dirname, '..', '..', '.git'))) expect(manifest.provenance.git?.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});
