// The grid of a suite: one cell per (optimizer, seed), in a canonical order, and the
// deterministic slices that `--shard K/N` runs.
import type { CellKey } from './cell.ts';
import type { Suite } from './suite.ts';
import { UsageError } from '../errors.ts';

export function gridCells(suite: Suite): CellKey[] {
  return suite.optimizers.flatMap((o) => suite.seeds.map((seed) => ({ optimizer: o.label, seed })));
}

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${JSON.stringify(text)}: expected K/N with 1 <= K <= N, e.g. 2/4`);
  return { index, count };
}

/** Round-robin slice K of N: cell i belongs to shard (i mod N) + 1, which spreads optimizers evenly. */
export function shardCells(cells: readonly CellKey[], shard: Shard | undefined): CellKey[] {
  if (!shard) return [...cells];
  return cells.filter((_, i) => i % shard.count === shard.index - 1);
}
