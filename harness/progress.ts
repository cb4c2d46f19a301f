// Progress: on a terminal, a bar with cells done, elapsed, ETA and the cells in flight, each
// finished cell's line printed above it; otherwise (a pipe, a CI log, TERM=dumb) one plain
// line per finished cell and no escape codes.
import cliProgress from 'cli-progress';

import type { Progress } from '../src/runner/pool.ts';

export type { Progress };

/** Whether `stream` is a terminal that understands escape codes. */
export function fancyTerminal(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const line = (finished: number, total: number, cell: string, seconds: number, note: string) =>
  `[${finished}/${total}] ${cell} ${note} (${seconds.toFixed(1)} s)`;

export function createProgress(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Progress {
  const inFlight = new Set<string>();
  if (!fancyTerminal(stream, env)) {
    let total = 0;
    let finished = 0;
    return {
      start: (n) => {
        total = n;
        finished = 0;
      },
      begin: () => {},
      done: (cell, seconds, note) => {
        finished++;
        stream.write(`${line(finished, total, cell, seconds, note)}\n`);
      },
      stop: () => {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: '{bar} {value}/{total} cells | {duration_formatted} elapsed | ETA {eta_formatted} | {cells}',
      stream,
      hideCursor: true,
      etaBuffer: 8,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let finished = 0;
  const current = () => ({ cells: [...inFlight].join(', ') });
  return {
    start: (n) => {
      total = n;
      finished = 0;
      if (bar) bars.remove(bar); // a new phase: one bar at a time
      bar = bars.create(n, 0, current());
    },
    begin: (cell) => {
      inFlight.add(cell);
      bar?.update(current());
    },
    done: (cell, seconds, note) => {
      inFlight.delete(cell);
      finished++;
      bars.log(`${line(finished, total, cell, seconds, note)}\n`);
      bar?.increment(1, current());
    },
    stop: () => {
      bars.update(); // flushes lines logged since the last redraw, which stop() alone would drop
      bars.stop();
    },
  };
}
