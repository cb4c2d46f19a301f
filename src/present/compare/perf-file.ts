// The JSON that `npm run perf` writes (and `compare --baseline-perf/--current-perf` reads).
import type { Environment } from '../../run/experiment/manifest.ts';

export interface PerfResult {
  readonly name: string;
  readonly group: string;
  readonly msPerOp: number;
  /** Margin of error of the mean (95%), in percent of it. */
  readonly moePercent: number;
  readonly samples: number;
  readonly gflops?: number;
  readonly itemsPerSecond?: number;
  /** The result this one is measured against (an optimizer's memory floor): its time over the floor's is printed. */
  readonly floor?: string;
}

export interface PerfFile {
  readonly format: 'optrobust-perf/1';
  readonly quick: boolean;
  readonly batch: number;
  readonly environment: Environment;
  readonly results: readonly PerfResult[];
}
