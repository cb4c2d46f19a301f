// A real batch engine: a single-node Slurm cluster on localhost (scripts/slurm-cluster.sh,
// started by .ci/run and `npm run test:slurm`). A suite submitted as an array of shards with a
// merge job that depends on them (docs/batch-engines.md's script) ends byte-identical to the
// unsharded run; an array task preempted part-way through a CNN cell (`scontrol requeue`:
// SIGTERM to the task's processes, a grace period, back in the queue, as PreemptMode=REQUEUE
// does) checkpoints and stops as interrupted, and requeued with the same command line it
// continues its shard from the cell's checkpoint; the merged run is still byte-identical. Runs with OPTROBUST_SLURM=1; skipped, saying
// why, where the cluster is not up.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, cli, read } from '../helpers/cli.ts';
import { RESULT_FILES } from '../../src/present/report/write.ts';
import { listCheckpoints } from '../../src/run/experiment/checkpoints.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { RunStore } from '../../src/run/experiment/store.ts';

const wanted = process.env.OPTROBUST_SLURM === '1';
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
const clusterUp = (() => {
  if (!wanted) return false;
  try {
    return /idle|mixed|allocated/.test(sh('sinfo', ['-h', '-o', '%T']));
  } catch {
    return false;
  }
})();
if (wanted && !clusterUp) console.warn('test:slurm: no Slurm cluster answers on this machine (scripts/slurm-cluster.sh start says why); skipped');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-slurm-'));
const fixture = (name: string) => join(ROOT, 'test', 'harness', 'fixtures', name);
const node = process.execPath;

/** `scontrol show job` fields of a job (an array task as JOB_TASK). */
function job(id: string): Record<string, string> {
  const text = sh('scontrol', ['show', 'job', '-o', id]);
  return Object.fromEntries(text.split(/\s+/).flatMap((kv) => (kv.includes('=') ? [[kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]] : [])));
}

async function until(what: string, ok: () => boolean, seconds = 300): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const finished = (id: string) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY'].includes(job(id).JobState ?? '');

function sbatch(args: string[], command: string): string {
  return sh('sbatch', ['--parsable', `--chdir=${ROOT}`, ...args, '--wrap', command]).split(';')[0]!;
}

function expectSameResults(dir: string, whole: string): void {
  for (const f of RESULT_FILES) expect(read(dir, f), f).toBe(read(whole, f));
}

describe.runIf(clusterUp)('a Slurm cluster on localhost', () => {
  it('an array of shards and a dependent merge job: the merged run is byte-identical to the unsharded one', async () => {
    const work = tmp();
    const whole = join(work, 'whole');
    const suite = ['--suite', 'smoke', '--seeds', '0,1'];
    expect((await cli(['run', ...suite, '--out', whole])).code).toBe(0);
    const out = join(work, 'tonight');
    const merged = join(work, 'merged');
    // As docs/batch-engines.md submits it: `exec`, so the run itself receives Slurm's signals.
    const array = sbatch(
      ['--array=0-3', '--cpus-per-task=1', `--output=${work}/%A_%a.out`],
      `exec ${node} ${BIN} run ${suite.join(' ')} --shard auto --workers 1 --out ${out}`,
    );
    const merge = sbatch([`--dependency=afterok:${array}`, `--output=${work}/merge.out`], `exec ${node} ${BIN} merge ${out} --out ${merged}`);
    await until('the merge job', () => finished(merge));
    expect(job(merge).JobState, readFileSync(join(work, 'merge.out'), 'utf8')).toBe('COMPLETED');
    expect(readdirSync(out).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    expectSameResults(merged, whole);
  }, 600_000);

  it('a task preempted part-way checkpoints and stops; requeued, it continues from its checkpoint; the merge is byte-identical', async () => {
    const work = tmp();
    const whole = join(work, 'whole');
    const suite = ['--suite', fixture('preempt-suite.ts'), '--seeds', '0,1'];
    expect((await cli(['run', ...suite, '--workers', '2', '--checkpoint-every', '0', '--out', whole])).code).toBe(0);
    const out = join(work, 'tonight');
    const array = sbatch(
      ['--array=0-1', '--cpus-per-task=1', '--open-mode=append', `--output=${work}/%A_%a.out`],
      `exec ${node} ${BIN} run ${suite.join(' ')} --shard auto --workers 1 --checkpoint-every 1 --out ${out}`,
    );
    const task = `${array}_0`;
    const shard = join(out, 'shard-1');
    await until('the first checkpoint of shard 1', () => listCheckpoints(shard).length > 0, 180);
    // Preemption as PreemptMode=REQUEUE does it: SIGTERM to every process of the task, a grace
    // period (KillWait), then the task back in the queue with the same command line.
    sh('scontrol', ['requeue', task]);
    const log = () => readFileSync(join(work, `${array}_0.out`), 'utf8');
    await until('the preempted attempt to stop', () => /Finish the run with/.test(log()), 60);
    expect(log()).toContain('SIGTERM: stopping');
    expect(log()).toContain('0 finished cell(s) are stored in');
    expect(log()).toContain('1 more checkpointed part-way');
    const [stopped] = listCheckpoints(shard);
    expect(stopped!.step).toBeGreaterThan(0);
    expect(stopped!.step).toBeLessThan(160);
    // A requeued job waits out a begin time; make it eligible now.
    await until('the task to be requeued', () => job(task).JobState === 'PENDING', 60);
    sh('scontrol', ['update', `JobId=${task}`, 'StartTime=now']);
    await until('the requeued task', () => finished(task));
    expect(job(task).JobState, log()).toBe('COMPLETED');
    expect(job(task).Restarts).toBe('1');
    expect(log()).toContain("holds this shard's earlier attempt: continuing it");
    const records = new RunStore(shard, readManifest(shard).identity).records();
    expect(records.map((r) => r.kind === 'result' && r.resumedFrom)).toEqual([stopped!.step]);
    await until('task 1', () => finished(`${array}_1`));
    const merged = join(work, 'merged');
    const merge = sbatch([`--dependency=afterok:${array}`, `--output=${work}/merge.out`], `exec ${node} ${BIN} merge ${out} --out ${merged}`);
    await until('the merge job', () => finished(merge));
    expect(job(merge).JobState, existsSync(join(work, 'merge.out')) ? readFileSync(join(work, 'merge.out'), 'utf8') : '').toBe('COMPLETED');
    expectSameResults(merged, whole);
  }, 600_000);
});
