// `npm run perf:compare`: optrobust's and PyTorch's training steps (forward + backward +
// Adam, batch 128) timed in one session on 1 and 2 threads, and the ratio table.
// Needs Debian's python3-torch and libopenblas0-pthread (reference only).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PerfFile } from './perf-format.ts';

const root = join(import.meta.dirname, '..');
const out = join(root, 'reports', 'perf-compare.json');
execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'perf.ts'), '--only', 'full step adam|matmul', '--out', out], { stdio: 'inherit' });
const ours = JSON.parse(readFileSync(out, 'utf8')) as PerfFile;
const rows: string[] = ['| workload | threads | PyTorch ms (Adam loop) | optrobust ms | speed-up (PyTorch / optrobust) |', '| --- | --- | --- | --- | --- |'];
for (const threads of [1, 2]) {
  const py = JSON.parse(
    execFileSync('/usr/bin/python3', [join(root, 'bench', 'reference', 'pytorch_steps.py'), String(threads)], { env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) }, encoding: 'utf8' }),
  ) as { torch: string; results: Record<string, number>; adam_foreach: Record<string, boolean> };
  for (const [workload, ms] of Object.entries(py.results)) {
    const mine = ours.results.find((r) => r.name === `${workload} full step adam, ${threads} thread${threads > 1 ? 's' : ''}`);
    if (!mine) continue;
    const loop = py.adam_foreach[workload] ? 'foreach' : 'per tensor';
    rows.push(`| ${workload} | ${threads} | ${ms.toFixed(2)} (${loop}) | ${mine.msPerOp.toFixed(2)} | ${(ms / mine.msPerOp).toFixed(2)}x |`);
  }
}
process.stdout.write(`\n${rows.join('\n')}\n`);
