// Preemption as batch engines do it, through the real command line. SIGTERM part-way through a
// CNN cell: the cell checkpoints after its current step, the command exits 130 within the grace
// period saying what is stored and checkpointed, `status` shows where the cell stopped, and
// --resume continues it from that step (not from step 0) to the same bytes as a run never
// stopped. With OPTROBUST_SLOW=1, the property test: a tuned run killed with SIGKILL (no
// warning, whole process group) at 20 moments drawn at random across tuning, training,
// evaluation, matched re-training and the store's writes, resumed after each, ends with every
// result file and every weights file byte-identical to the uninterrupted run's.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, cliDetached, read } from '../helpers/cli.ts';
import { RESULT_FILES } from '../../src/present/report/write.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { CHECKPOINTS_DIR, listCheckpoints } from '../../src/run/experiment/checkpoints.ts';
import { runStatus } from '../../src/run/experiment/status.ts';
import { createRng } from '../../src/core/util/rng.ts';
import { WEIGHTS_DIR } from '../../src/run/experiment/weights.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-preempt-'));
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const records = (dir: string) => new RunStore(dir, readManifest(dir).identity).records();

/** Every result file and every kept weights file of two runs, compared byte for byte. */
function expectSameRun(dir: string, whole: string): void {
  for (const f of RESULT_FILES) expect(read(dir, f), f).toBe(read(whole, f));
  const weights = readdirSync(join(whole, WEIGHTS_DIR)).sort();
  expect(readdirSync(join(dir, WEIGHTS_DIR)).sort()).toEqual(weights);
  for (const w of weights) expect(readFileSync(join(dir, WEIGHTS_DIR, w)).equals(readFileSync(join(whole, WEIGHTS_DIR, w))), w).toBe(true);
}

describe('SIGTERM part-way through a CNN cell', () => {
  const ARGS = ['run', '--suite', fixture('preempt-suite.ts'), '--workers', '1'];
  let whole = '';
  beforeAll(async () => {
    whole = join(tmp(), 'whole');
    // No checkpoints at all in the reference run.
    const r = await cli([...ARGS, '--checkpoint-every', '0', '--out', whole]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(whole, CHECKPOINTS_DIR))).toBe(false);
  }, 300_000);

  it('checkpoints, exits 130 within the grace period, and --resume continues from that step to the same bytes', async () => {
    const dir = join(tmp(), 'stopped');
    const child = cliDetached([...ARGS, '--checkpoint-every', '1', '--out', dir], 'pipe');
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // Training is under way once its first checkpoint is written.
    const deadline = Date.now() + 120_000;
    while (listCheckpoints(dir).length === 0 && Date.now() < deadline) await sleep(50);
    const first = listCheckpoints(dir)[0]!;
    expect(first.trained).toBe(false);
    const sent = performance.now();
    process.kill(child.pid!, 'SIGTERM');
    const code = await exited;
    const took = performance.now() - sent;
    expect(code, stderr).toBe(130);
    // A Kubernetes pod's default grace period is 30 s; one step of this model takes well under one.
    expect(took).toBeLessThan(10_000);
    expect(stderr).toContain('SIGTERM: stopping');
    expect(stderr).toContain(`0 finished cell(s) are stored in ${dir}, 1 more checkpointed part-way. Finish the run with: optrobust run --resume ${dir}`);
    const [stop] = listCheckpoints(dir);
    expect(stop!.step).toBeGreaterThanOrEqual(first.step);
    expect(stop!.step).toBeLessThan(160);
    expect(records(dir)).toEqual([]);

    const status = await cli(['status', dir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`stopped  adam/seed 0: step ${stop!.step} of 160 (checkpoint ${stop!.savedAt})`);
    const json = JSON.parse((await cli(['status', dir, '--json'])).stdout);
    expect(json.checkpointed).toEqual([{ phase: 'main', cell: 'adam/seed 0', step: stop!.step, total: 160, trained: false, savedAt: stop!.savedAt }]);
    // No cell is stored yet to time the rest by.
    expect(json.etaSeconds).toBeNull();
    expect(status.stdout).toContain('time left unknown until a cell of each remaining phase is stored');

    const resumed = await cli(['run', '--resume', dir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [cell] = records(dir);
    expect(cell!.kind === 'result' && cell!.resumedFrom).toBe(stop!.step);
    expect(readdirSync(join(dir, CHECKPOINTS_DIR))).toEqual([]);
    expectSameRun(dir, whole);
  }, 300_000);
});

describe.runIf(process.env.OPTROBUST_SLOW === '1')('SIGKILL at 20 random moments of a tuned run', () => {
  it('resumed after each kill, every run ends byte-identical to the uninterrupted one', async () => {
    const ARGS = ['run', '--suite', fixture('tuned-suite.ts'), '--workers', '2'];
    const whole = join(tmp(), 'whole');
    const start = performance.now();
    expect((await cli([...ARGS, '--out', whole])).code).toBe(0);
    const wholeMs = performance.now() - start;
    const rng = createRng(20, 'sigkill-moments');
    const landed = new Map<string, number>();
    let resumedCells = 0;
    const finished = (dir: string) => {
      expect(records(dir).filter((r) => r.kind === 'failure')).toEqual([]);
      resumedCells += records(dir).filter((r) => r.kind === 'result' && r.resumedFrom !== undefined).length;
      expectSameRun(dir, whole);
    };
    let dir = '';
    let kills = 0;
    while (kills < 20) {
      // A run killed until it finishes, then another.
      const fresh = dir === '';
      if (fresh) dir = join(tmp(), `killed-${kills}`);
      const child = cliDetached(fresh ? [...ARGS, '--checkpoint-every', '0.5', '--out', dir] : ['run', '--resume', dir, '--checkpoint-every', '0.5']);
      const exited = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(signal ? -1 : code)));
      // Moments spread over an attempt: its start, tuning, training, evaluation, the store's and the reports' writes.
      const timer = setTimeout(
        () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {}
        },
        1000 + rng() * wholeMs * 0.6,
      );
      const code = await exited;
      clearTimeout(timer);
      if (code === -1) {
        kills++;
        const s = runStatus(dir);
        const phase = s.phases.find((p) => p.todo > 0)?.name ?? 'writing results';
        landed.set(phase, (landed.get(phase) ?? 0) + 1);
      } else {
        expect(code).toBe(0);
        finished(dir);
        dir = '';
      }
    }
    if (dir) {
      const final = await cli(['run', '--resume', dir]);
      expect(final.code, final.stderr).toBe(0);
      finished(dir);
    }
    expect([...landed.keys()].sort(), JSON.stringify([...landed])).toEqual(expect.arrayContaining(['main', 'matched', 'tune']));
    expect(resumedCells).toBeGreaterThan(0);
  }, 1_800_000);
});
