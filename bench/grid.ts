// `npm run perf:grid`: the whole default grid, as the user waits for it, against the plain
// PyTorch script they would write instead (bench/reference/pytorch_grid.py: same grid and
// sweep, W processes x 1 thread, OMP_WAIT_POLICY=PASSIVE, foreach optimizers). Both are
// timed as whole commands (process start to exit), alternating in one session so that
// drift in the machine hits both; prints each round, the medians and the ratio, and writes
// JSON (default reports/perf-grid.json). PyTorch is a reference only: /usr/bin/python3 with
// Debian's python3-torch.
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
}

function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): { seconds: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

function optrobust(): Round {
  const dir = mkdtempSync(join(tmpdir(), 'perf-grid-'));
  try {
    const { seconds } = timed(process.execPath, ['bin/optrobust.js', 'run', '--out', join(dir, 'run'), '--workers', String(workers)], {
      ...process.env,
      CI: '1',
    });
    const cells = readFileSync(join(dir, 'run', 'cells.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seconds?: number }).seconds ?? 0);
    return { side: 'optrobust', wallSeconds: seconds, cellSeconds: cells };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pytorch(): Round {
  const dir = mkdtempSync(join(tmpdir(), 'perf-grid-py-'));
  try {
    const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
    const { seconds, stdout } = timed(flags.python!, ['bench/reference/pytorch_grid.py', String(workers), join(dir, 'grid.csv')], env);
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { cell_seconds: Record<string, number> };
    return { side: 'pytorch', wallSeconds: seconds, cellSeconds: Object.values(report.cell_seconds) };
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
for (let r = 0; r < rounds; r++) {
  // Alternate which side goes first, so neither always runs on a warmer machine.
  for (const run of r % 2 ? [pytorch, optrobust] : [optrobust, pytorch]) {
    const round = run();
    results.push(round);
    process.stdout.write(
      `round ${r + 1}  ${round.side.padEnd(9)}  ${round.wallSeconds.toFixed(2).padStart(6)} s whole command  (cells: ` +
        `mean ${mean(round.cellSeconds).toFixed(2)} s, sum ${round.cellSeconds.reduce((a, b) => a + b, 0).toFixed(1)} ` +
        `s)\n`,
    );
  }
}
const ours = median(results.filter((r) => r.side === 'optrobust').map((r) => r.wallSeconds));
const theirs = median(results.filter((r) => r.side === 'pytorch').map((r) => r.wallSeconds));
process.stdout.write(
  `\nmedian whole command: optrobust ${ours.toFixed(2)} s, PyTorch ${theirs.toFixed(2)} s: optrobust/PyTorch = ` +
    `${(ours / theirs).toFixed(2)}x (${workers} workers)\n`,
);
const summary = {
  format: 'optrobust-perf-grid/1',
  workers,
  rounds: results,
  medianSeconds: { optrobust: ours, pytorch: theirs },
  ratio: ours / theirs,
  environment: await environment(),
};
writeFileAtomic(flags.out!, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`wrote ${flags.out}\n`);
