// `npm run perf:compare`: optrobust's and PyTorch's training steps (forward + backward +
// Adam, batch 128) timed in one session on 1 and 2 threads, and the ratio table.
// Needs Debian's python3-torch and libopenblas0-pthread (reference only).
//
// The machine is a shared VM whose speed drifts for minutes at a time, so the two sides
// are timed in alternating rounds (ours, PyTorch's, ours, PyTorch's, ...) and each side's
// best round counts: a slow spell then penalises neither side more than the other.
// `--rounds N` (default 3).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PerfFile } from './perf-format.ts';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(flags.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a whole number >= 1, got "${flags.rounds}"`);

const root = join(import.meta.dirname, '..');
const out = join(root, 'reports', 'perf-compare.json');
const THREADS = [1, 2] as const;
const key = (workload: string, threads: number) => `${workload}|${threads}`;

interface Best {
  ms: number;
  note?: string;
}
const ours = new Map<string, Best>();
const torch = new Map<string, Best>();
const keepBest = (m: Map<string, Best>, k: string, ms: number, note?: string) => {
  const known = m.get(k);
  if (!known || ms < known.ms) m.set(k, { ms, note });
};

for (let round = 1; round <= rounds; round++) {
  process.stdout.write(`\n--- round ${round} of ${rounds}: optrobust\n`);
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'perf.ts'), '--only', 'full step adam|matmul', '--out', out], { stdio: 'inherit' });
  const mine = JSON.parse(readFileSync(out, 'utf8')) as PerfFile;
  for (const r of mine.results) {
    const m = /^(.*) full step adam, (\d) threads?$/.exec(r.name);
    if (m) keepBest(ours, key(m[1]!, Number(m[2])), r.msPerOp);
  }
  process.stdout.write(`--- round ${round} of ${rounds}: PyTorch\n`);
  for (const threads of THREADS) {
    const py = JSON.parse(
      execFileSync('/usr/bin/python3', [join(root, 'bench', 'reference', 'pytorch_steps.py'), String(threads)], { env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) }, encoding: 'utf8' }),
    ) as { torch: string; results: Record<string, number>; adam_foreach: Record<string, boolean> };
    for (const [workload, ms] of Object.entries(py.results)) {
      process.stdout.write(`PyTorch ${py.torch}  ${workload}, ${threads} thread(s): ${ms.toFixed(2)} ms\n`);
      keepBest(torch, key(workload, threads), ms, py.adam_foreach[workload] ? 'foreach' : 'per tensor');
    }
  }
}

const rows: string[] = [
  `Best of ${rounds} alternating round(s) per side.`,
  '',
  '| workload | threads | PyTorch ms (Adam loop) | optrobust ms | speed-up (PyTorch / optrobust) |',
  '| --- | --- | --- | --- | --- |',
];
for (const threads of THREADS) {
  for (const [k, py] of torch) {
    const [workload, t] = k.split('|');
    if (Number(t) !== threads) continue;
    const mine = ours.get(k);
    if (!mine) continue;
    rows.push(`| ${workload} | ${threads} | ${py.ms.toFixed(2)} (${py.note}) | ${mine.ms.toFixed(2)} | ${(py.ms / mine.ms).toFixed(2)}x |`);
  }
}
process.stdout.write(`\n${rows.join('\n')}\n`);
