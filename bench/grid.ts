// `npm run perf:grid`: the whole default grid, as the user waits for it, against the plain
// PyTorch script they would write instead (bench/reference/pytorch_grid.py: same grid and
// sweep, W processes x 1 thread, OMP_WAIT_POLICY=PASSIVE, foreach optimizers). Both are
// timed as whole commands (process start to exit), alternating in one session so that
// drift in the machine hits both; prints each round, the medians and the ratio, and writes
// JSON (default reports/perf-grid.json). Beside the whole command, from the same rounds and
// from a one-cell run of each side (sgd, seed 0, 1 epoch, 1 worker):
//   - fixed cost: the one-cell command's wall time minus its cell's own seconds;
//   - per-cell overhead: a grid cell's seconds outside training and evaluation (building
//     the model and its sessions; PyTorch: constructing the model and optimizer);
//   - the evaluation sweep per cell (clean, noise, FGSM, rotation, input-gradient norms).
// PyTorch is a reference only: /usr/bin/python3 with Debian's python3-torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/core/util/atomic.ts';
import { environment } from '../src/run/experiment/manifest.ts';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    workers: { type: 'string', default: String(availableParallelism()) },
    python: { type: 'string', default: '/usr/bin/python3' },
    out: { type: 'string', default: 'reports/perf-grid.json' },
  },
});
const rounds = Number(flags.rounds);
const workers = Number(flags.workers);
const root = join(import.meta.dirname, '..');

interface Round {
  readonly side: 'optrobust' | 'pytorch';
  readonly wallSeconds: number;
  /** Seconds per cell as each side recorded them (inside its worker). */
  readonly cellSeconds: readonly number[];
  /** Per cell: seconds outside training and evaluation, and of the evaluation sweep. */
  readonly overheadSeconds: readonly number[];
  readonly sweepSeconds: readonly number[];
}

function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): { seconds: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** optrobust's run: the default grid, or one 1-epoch cell (`one`). */
function optrobust(one = false): Round {
  const dir = mkdtempSync(join(tmpdir(), 'perf-grid-'));
  try {
    const part = one ? ['--optimizers', 'sgd', '--seeds', '0', '--epochs', '1', '--workers', '1'] : ['--workers', String(workers)];
    const { seconds } = timed(process.execPath, ['bin/optrobust.js', 'run', '--out', join(dir, 'run'), ...part], { ...process.env, CI: '1' });
    const records = readFileSync(join(dir, 'run', 'cells.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seconds?: number; stages?: Record<string, number> });
    return {
      side: 'optrobust',
      wallSeconds: seconds,
      cellSeconds: records.map((r) => r.seconds ?? 0),
      overheadSeconds: records.map((r) => (r.seconds ?? 0) - (r.stages?.train ?? 0) - (r.stages?.evaluate ?? 0)),
      sweepSeconds: records.map((r) => r.stages?.evaluate ?? Number.NaN),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pytorch(one = false): Round {
  const dir = mkdtempSync(join(tmpdir(), 'perf-grid-py-'));
  try {
    const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
    const args = one ? ['1', join(dir, 'grid.csv'), '1', 'sgd:0'] : [String(workers), join(dir, 'grid.csv')];
    const { seconds, stdout } = timed(flags.python!, ['bench/reference/pytorch_grid.py', ...args], env);
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as Record<'cell_seconds' | 'setup_seconds' | 'sweep_seconds', Record<string, number>>;
    return {
      side: 'pytorch',
      wallSeconds: seconds,
      cellSeconds: Object.values(report.cell_seconds),
      overheadSeconds: Object.values(report.setup_seconds),
      sweepSeconds: Object.values(report.sweep_seconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const results: Round[] = [];
const ones: Round[] = [];
for (let r = 0; r < rounds; r++) {
  // Alternate which side goes first, so neither always runs on a warmer machine.
  for (const run of r % 2 ? [pytorch, optrobust] : [optrobust, pytorch]) {
    const round = run();
    results.push(round);
    process.stdout.write(
      `round ${r + 1}  ${round.side.padEnd(9)}  ${round.wallSeconds.toFixed(2).padStart(6)} s whole command  (cells: ` +
        `mean ${mean(round.cellSeconds).toFixed(2)} s, sum ${round.cellSeconds.reduce((a, b) => a + b, 0).toFixed(1)} s; ` +
        `sweep ${mean(round.sweepSeconds).toFixed(3)} s, overhead ${mean(round.overheadSeconds).toFixed(3)} s per cell)\n`,
    );
    const single = run(true);
    ones.push(single);
    process.stdout.write(
      `round ${r + 1}  ${single.side.padEnd(9)}  one 1-epoch cell: ${single.wallSeconds.toFixed(2)} s whole command, cell ` +
        `${single.cellSeconds[0]!.toFixed(2)} s, fixed ${(single.wallSeconds - single.cellSeconds[0]!).toFixed(2)} s\n`,
    );
  }
}
const sideMedian = (rs: readonly Round[], side: Round['side'], f: (r: Round) => number) => median(rs.filter((r) => r.side === side).map(f));
const ours = sideMedian(results, 'optrobust', (r) => r.wallSeconds);
const theirs = sideMedian(results, 'pytorch', (r) => r.wallSeconds);
const fixed = (side: Round['side']) => sideMedian(ones, side, (r) => r.wallSeconds - r.cellSeconds[0]!);
const sweep = (side: Round['side']) => sideMedian(results, side, (r) => mean(r.sweepSeconds));
const overhead = (side: Round['side']) => sideMedian(results, side, (r) => mean(r.overheadSeconds));
const line = (what: string, a: number, b: number, digits = 2) =>
  `${what}: optrobust ${a.toFixed(digits)} s, PyTorch ${b.toFixed(digits)} s: optrobust/PyTorch = ${(a / b).toFixed(2)}x\n`;
process.stdout.write(
  `\nmedians (${workers} workers, ${rounds} rounds)\n` +
    line('whole command, default grid', ours, theirs) +
    line('fixed cost of a run (one 1-epoch cell, whole command minus the cell)', fixed('optrobust'), fixed('pytorch')) +
    line('evaluation sweep per grid cell', sweep('optrobust'), sweep('pytorch'), 3) +
    line('per-cell overhead (not training or evaluation)', overhead('optrobust'), overhead('pytorch'), 3),
);
const summary = {
  format: 'optrobust-perf-grid/2',
  workers,
  rounds: results,
  oneCell: ones,
  medianSeconds: { optrobust: ours, pytorch: theirs },
  ratio: ours / theirs,
  fixedSeconds: { optrobust: fixed('optrobust'), pytorch: fixed('pytorch') },
  sweepSecondsPerCell: { optrobust: sweep('optrobust'), pytorch: sweep('pytorch') },
  overheadSecondsPerCell: { optrobust: overhead('optrobust'), pytorch: overhead('pytorch') },
  environment: await environment(),
};
writeFileAtomic(flags.out!, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`wrote ${flags.out}\n`);
