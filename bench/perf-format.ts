// One-line rendering of `npm run perf` results.
import type { PerfResult } from '../src/present/compare/perf-file.ts';

export type { PerfFile, PerfResult } from '../src/present/compare/perf-file.ts';

/** GFLOP/s as a percentage of the best matmul ceiling measured in the same run with the same thread count. */
export function ceilingPercent(r: PerfResult, all: readonly PerfResult[]): number | undefined {
  if (r.gflops === undefined || r.group === 'ceiling') return undefined;
  const threads = /(\d+) threads?/.exec(r.name)?.[1];
  const ceiling = all.find((c) => c.group === 'ceiling' && threads !== undefined && c.name.includes(`${threads} thread`));
  return ceiling?.gflops ? (100 * r.gflops) / ceiling.gflops : undefined;
}

export function formatRow(r: PerfResult, all: readonly PerfResult[]): string {
  const pct = ceilingPercent(r, all);
  const parts = [
    `${r.group.padEnd(14)} ${r.name.padEnd(52)}`,
    `${r.msPerOp.toFixed(3).padStart(10)} ms/op ±${r.moePercent.toFixed(1)}%`,
    r.gflops !== undefined ? `${r.gflops.toFixed(1).padStart(7)} GFLOP/s` : '',
    pct !== undefined ? `${pct.toFixed(0).padStart(4)}% of ceiling` : '',
    r.itemsPerSecond !== undefined ? `${Math.round(r.itemsPerSecond).toLocaleString('en-US').padStart(12)} items/s` : '',
    floorRatio(r, all),
  ];
  return parts.filter(Boolean).join('  ');
}

/** An optimizer's time over its memory floor's, measured in the same run. */
function floorRatio(r: PerfResult, all: readonly PerfResult[]): string {
  const floor = r.floor === undefined ? undefined : all.find((f) => f.name === r.floor);
  return floor ? `${(r.msPerOp / floor.msPerOp).toFixed(2)}x floor` : '';
}
