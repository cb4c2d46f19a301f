// Stopping a run as batch engines and terminals do: ^C (SIGINT), SIGTERM to the command alone (Kubernetes
// signals a container's first process), SIGTERM to its whole process group, workers included
// (Slurm signals every process of a job step), SIGHUP (a closed terminal). Each stops the run
// with exit 130, stores no failure for the cells it cut short, says how to resume, and the
// resumed run ends with the same bytes as an uninterrupted one; `optrobust status` says where the run stands.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliDetached, read } from '../helpers/cli.ts';
import { RESULT_FILES } from '../../src/present/report/write.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { LOCK_FILE } from '../../src/run/experiment/lock.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-signals-'));
const ARGS = ['run', '--suite', 'smoke', '--seeds', '0,1,2', '--epochs', '2', '--workers', '2'];

describe('stop signals', () => {
  let whole = '';
  beforeAll(async () => {
    whole = join(tmp(), 'whole');
    expect((await cli([...ARGS, '--out', whole])).code).toBe(0);
  }, 300_000);

  for (const [signal, target] of [
    ['SIGINT', 'the command'],
    ['SIGTERM', 'the command'],
    ['SIGTERM', 'its process group'],
    ['SIGHUP', 'the command'],
  ] as const) {
    it(`${signal} to ${target}: exit 130, no failure stored, the resume said; --resume ends with the same bytes`, async () => {
      const dir = join(tmp(), 'stopped');
      const child = cliDetached([...ARGS, '--out', dir], 'pipe');
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const deadline = Date.now() + 60_000;
      while (!/\[1\/6\]/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      process.kill(target === 'the command' ? child.pid! : -child.pid!, signal);
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code, stderr).toBe(130);
      expect(stderr).toContain(`${signal}: stopping`);
      expect(stderr).toContain(`Finish the run with: optrobust run --resume ${dir}`);
      const records = new RunStore(dir, readManifest(dir).identity).records();
      expect(records.length).toBeGreaterThanOrEqual(1);
      expect(records.filter((r) => r.kind === 'failure')).toEqual([]);
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      // `status` says what a batch script needs: incomplete (exit 1), how many cells remain, how to finish.
      const before = await cli(['status', dir]);
      expect(before.code).toBe(1);
      expect(before.stdout).toMatch(new RegExp(`main +${records.length} stored, ${6 - records.length} to run`));
      expect(before.stdout).toContain(`incomplete: finish it with optrobust run --resume ${dir}`);
      expect((await cli(['run', '--resume', dir])).code).toBe(0);
      const after = await cli(['status', dir, '--json']);
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({ complete: true, phases: [{ name: 'main', stored: 6, failed: 0, todo: 0 }], attempts: 2, writer: null });
      for (const f of RESULT_FILES) expect(read(dir, f), f).toBe(read(whole, f));
    }, 300_000);
  }
});

// A worker the stop finds idle leaves at once, which tinypool reports as an error on the pool:
// the run must not die of it. Ten stops at different moments (two of ten crashed before).
describe.runIf(process.env.OPTROBUST_SLOW === '1')('SIGTERM to the process group at ten moments', () => {
  it('each run exits 130 (or finished first), never with an unhandled error', async () => {
    for (let i = 0; i < 10; i++) {
      const child = cliDetached([...ARGS, '--out', join(tmp(), 'stopped')], 'pipe');
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      while (!/\[1\/6\]/.test(stderr)) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, (i * 37) % 200));
      process.kill(-child.pid!, 'SIGTERM');
      const code = await exited;
      expect([130, 0], stderr).toContain(code);
      expect(stderr).not.toMatch(/Unhandled|exited unexpectedly|internal error/);
    }
  }, 600_000);
});
