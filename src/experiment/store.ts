// The run store: one JSON line per finished cell in cells.jsonl, appended with a single
// checked write and an fsync before the cell is reported done. Every line carries the
// identity of the run it belongs to, so a folder never mixes runs. A line cut short by a
// killed writer can only be the last one, and is cut before the next append; any other
// unreadable line is an error naming the file and line.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseExact, stringifyExact } from '../util/json.ts';
import { InputError, WriteError } from '../errors.ts';
import { fsyncDir } from '../util/atomic.ts';
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

const KINDS = new Set(['result', 'failure', 'tune', 'matched']);

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

export const keyOf = (k: AnyCellKey): string => [k.phase ?? 'main', k.optimizer, k.seed, k.phase === 'tune' ? k.lr : '', k.phase === 'matched' ? k.epoch : ''].join('\u0000');

/** A store that cannot be read as one run's records: a corrupt line, or another run's record. */
export class StoreError extends InputError {}

/** One stored line: the run's identity beside the record. */
type Line = CellRecord & { readonly run: string };

export class RunStore {
  readonly file: string;

  constructor(
    readonly dir: string,
    /** The identity of the run (see manifest.ts `runIdentity`); every line must carry it. */
    readonly identity: string,
  ) {
    this.file = join(dir, STORE_FILE);
  }

  /** Cuts a torn final line (a writer killed mid-append) so the next append starts clean. */
  repair(): void {
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file);
    if (text.length === 0 || text[text.length - 1] === 0x0a) return;
    try {
      truncateSync(this.file, text.lastIndexOf(0x0a) + 1);
    } catch (e) {
      throw new WriteError(this.file, e);
    }
  }

  /**
   * Appends one record durably: every byte written (a short write is retried, an error
   * undoes the partial line) and fsynced before this returns. Throws WriteError.
   */
  append(record: CellRecord): void {
    const bytes = Buffer.from(`${stringifyExact({ run: this.identity, ...record })}\n`);
    const created = !existsSync(this.file);
    let fd: number;
    try {
      fd = openSync(this.file, 'a');
    } catch (e) {
      throw new WriteError(this.file, e);
    }
    let before = 0;
    try {
      before = fstatSync(fd).size;
      for (let at = 0; at < bytes.length; ) {
        const n = writeSync(fd, bytes, at, bytes.length - at);
        if (n <= 0) throw new Error(`short write (${at} of ${bytes.length} bytes)`);
        at += n;
      }
      fsyncSync(fd);
    } catch (e) {
      // Leave the store as it was: the next reader must not find half a line mid-file.
      try {
        ftruncateSync(fd, before);
      } catch {
        // a torn last line is still recoverable: `repair` cuts it
      }
      throw new WriteError(this.file, e);
    } finally {
      closeSync(fd);
    }
    if (created) fsyncDir(this.dir);
  }

  /** The run's complete records, the last one per cell winning (a re-run failure is replaced by its result). */
  records(): CellRecord[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const lines = text.split('\n');
    const byKey = new Map<string, CellRecord>();
    lines.forEach((line, i) => {
      // Text after the last newline is a line whose writer died mid-append: not a record.
      if (i === lines.length - 1) return;
      const where = `${this.file}, line ${i + 1}`;
      let rec: Line;
      try {
        rec = parseExact<Line>(line);
      } catch (e) {
        throw new StoreError(`${where}: not a valid record (${(e as Error).message}); only the last line may be incomplete. The store is damaged: move the line out, or start a new run`);
      }
      if (!rec || typeof rec !== 'object' || !KINDS.has(rec.kind)) throw new StoreError(`${where}: not an optrobust cell record (kind ${JSON.stringify(rec?.kind)})`);
      if (rec.run !== this.identity) {
        throw new StoreError(
          `${where}: belongs to another run (identity ${JSON.stringify(rec.run ?? null)}, this run is ${this.identity}); a run folder holds one run's records only. Finish that run elsewhere, or start this one in a new folder`,
        );
      }
      const { run: _run, ...record } = rec;
      byKey.set(keyOf(recordKey(record as CellRecord)), record as CellRecord);
    });
    return [...byKey.values()];
  }
}
