// The run store: one JSON line per finished cell in cells.jsonl, appended with a single
// write (and fsync) before the cell is reported done. A line cut short by a crash is
// ignored on reading, so a killed run resumes from its last complete cell.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseExact, stringifyExact } from '../util/json.ts';
import type { CellKey, CellResult } from './cell.ts';
import type { MatchedResult, TuneResult } from './protocol.ts';

export const STORE_FILE = 'cells.jsonl';

export type Phase = 'tune' | 'main' | 'matched';

/** A failed cell: an exception, recorded so the grid can finish and report it. */
export interface CellFailure extends CellKey {
  readonly phase?: Phase;
  readonly lr?: number;
  readonly epoch?: number;
  readonly error: string;
}

export type CellRecord =
  | { readonly kind: 'result'; readonly result: CellResult; readonly seconds?: number }
  | { readonly kind: 'failure'; readonly failure: CellFailure; readonly seconds?: number }
  | { readonly kind: 'tune'; readonly tune: TuneResult; readonly seconds?: number }
  | { readonly kind: 'matched'; readonly matched: MatchedResult; readonly seconds?: number };

/** Identifies a cell of any phase: (phase, optimizer, seed, and the tuning lr or matched epoch). */
export interface AnyCellKey extends CellKey {
  readonly phase?: Phase;
  readonly lr?: number;
  readonly epoch?: number;
}

export function recordKey(rec: CellRecord): AnyCellKey {
  switch (rec.kind) {
    case 'result':
      return { optimizer: rec.result.optimizer, seed: rec.result.seed, phase: 'main' };
    case 'failure':
      return rec.failure;
    case 'tune':
      return { optimizer: rec.tune.optimizer, seed: rec.tune.seed, phase: 'tune', lr: rec.tune.lr };
    case 'matched':
      return { optimizer: rec.matched.optimizer, seed: rec.matched.seed, phase: 'matched', epoch: rec.matched.epoch };
  }
}

/** Cuts a torn final line (a writer killed mid-append) so the next append starts clean. */
export function repairStore(dir: string): void {
  const file = join(dir, STORE_FILE);
  if (!existsSync(file)) return;
  const text = readFileSync(file);
  if (text.length === 0 || text[text.length - 1] === 0x0a) return;
  truncateSync(file, text.lastIndexOf(0x0a) + 1);
}

export const keyOf = (k: AnyCellKey): string => [k.phase ?? 'main', k.optimizer, k.seed, k.phase === 'tune' ? k.lr : '', k.phase === 'matched' ? k.epoch : ''].join('\u0000');

export function appendRecord(dir: string, record: CellRecord): void {
  const fd = openSync(join(dir, STORE_FILE), 'a');
  try {
    writeSync(fd, `${stringifyExact(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Complete records of a store, the last one per cell winning (a re-run failure is replaced by its result). */
export function readRecords(dir: string): CellRecord[] {
  const file = join(dir, STORE_FILE);
  if (!existsSync(file)) return [];
  const byKey = new Map<string, CellRecord>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let rec: CellRecord;
    try {
      rec = parseExact<CellRecord>(line);
    } catch {
      continue; // a torn final line from a killed writer
    }
    byKey.set(keyOf(recordKey(rec)), rec);
  }
  return [...byKey.values()];
}
