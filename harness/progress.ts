// Progress: a bar with cells done, elapsed, ETA and the cells in flight on a TTY;
// one plain line per finished cell otherwise (CI logs).
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  begin(cell: string): void;
  done(cell: string, seconds: number, note: string): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const inFlight = new Set<string>();
  if (!stream.isTTY) {
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
        stream.write(`[${finished}/${total}] ${cell} ${note} (${seconds.toFixed(1)} s)\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {value}/{total} cells | {duration_formatted} elapsed | ETA {eta_formatted} | {cells}', stream, hideCursor: true, etaBuffer: 8 },
    cliProgress.Presets.shades_classic,
  );
  const current = () => ({ cells: [...inFlight].join(', ') });
  return {
    start: (n) => bar.start(n, 0, current()),
    begin: (cell) => {
      inFlight.add(cell);
      bar.update(current());
    },
    done: (cell) => {
      inFlight.delete(cell);
      bar.increment(1, current());
    },
    stop: () => bar.stop(),
  };
}
