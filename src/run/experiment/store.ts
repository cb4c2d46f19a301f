// The run store: one JSON line per finished cell in cells.jsonl, appended with a single
// checked write and an fsync before the cell is reported done. Every line carries the
// identity of the run it belongs to, so a folder never mixes runs. A line cut short by a
// killed writer can only be the last one, and is cut before the next append; any other
// unreadable line is an error naming the file and line.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, truncateSync, writeSync } from 'node:fs';
import { GiB, readRegularFile } from '../../core/util/paths.ts';
import { join } from 'node:path';
import { parseExact, stringifyExact } from '../../core/util/json.ts';
import { InputError, WriteError } from '../../errors.ts';
import { fsyncDir } from '../../core/util/atomic.ts';
import type { CellKey } from './grid.ts';
import type { WeightsRef } from './weights.ts';

export const STORE_FILE = 'cells.jsonl';

/**
 * A finished cell of some phase (phases/): its key (arm, seed and the phase's own fields,
 * such as the learning rate of a tuning trial) and what it produced; or its error.
 */
export type CellRecord =
  | {
      readonly kind: 'result';
      readonly phase: string;
      readonly key: CellKey;
      readonly result: unknown;
      readonly seconds?: number;
      /** Seconds per stage (setup, train, evaluate), for the benchmarks; absent in older records. */
      readonly stages?: Readonly<Record<string, number>>;
      /** The training step this attempt continued from (the cell's checkpoint); absent when it started at step 0. */
      readonly resumedFrom?: number;
      readonly weights?: WeightsRef;
    }
  | { readonly kind: 'failure'; readonly phase: string; readonly key: CellKey; readonly error: string; readonly seconds?: number };

const KINDS = new Set(['result', 'failure']);

/** JSON with object keys sorted: the same key fields always give the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return stringifyExact(v);
}

/** Identifies a cell of any phase (a re-run failure and its later result share it). */
export const keyOf = (phase: string, key: CellKey): string => `${phase}\u0000${canonical(key)}`;
export const recordId = (r: CellRecord): string => keyOf(r.phase, r.key);

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

  /**
   * Cuts a torn final line (a writer killed mid-append) so the next append starts clean; a
   * complete record that only lacks its newline (a store saved by an editor) gets it back.
   */
  repair(): void {
    if (!existsSync(this.file)) return;
    const text = this.read();
    if (text.length === 0 || text[text.length - 1] === 0x0a) return;
    const start = text.lastIndexOf(0x0a) + 1;
    try {
      if (this.completeRecord(text.subarray(start).toString('utf8'))) {
        const fd = openSync(this.file, 'a');
        try {
          writeSync(fd, '\n');
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } else truncateSync(this.file, start);
    } catch (e) {
      throw new WriteError(this.file, e);
    }
  }

  private read(): Buffer {
    return readRegularFile(this.file, {
      what: "a run's store (cells.jsonl)",
      maxBytes: 2 * GiB - 1,
      error: (f, problem) => new StoreError(`${f}: ${problem}`),
    });
  }

  /** Whether `line` is a whole record of this run (a torn line never parses: its closing brace is missing). */
  private completeRecord(line: string): boolean {
    try {
      const rec = parseExact<Line>(line);
      return !!rec && typeof rec === 'object' && KINDS.has(rec.kind) && rec.run === this.identity;
    } catch {
      return false;
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
    const text = this.read().toString('utf8');
    const lines = text.split('\n');
    const byKey = new Map<string, CellRecord>();
    lines.forEach((line, i) => {
      // Text after the last newline is a line whose writer died mid-append (not a record),
      // unless it is a whole record that only lacks its newline.
      if (i === lines.length - 1 && !(line && this.completeRecord(line))) return;
      const where = `${this.file}, line ${i + 1}`;
      let rec: Line;
      try {
        rec = parseExact<Line>(line);
      } catch (e) {
        throw new StoreError(
          `${where}: not a valid record (${(e as Error).message}); only the last line may be incomplete. The store is ` +
            `damaged: move the line out, or start a new run`,
        );
      }
      if (!rec || typeof rec !== 'object' || !KINDS.has(rec.kind) || typeof rec.phase !== 'string' || typeof rec.key !== 'object') {
        throw new StoreError(`${where}: not an optrobust cell record (kind ${JSON.stringify(rec?.kind)}, phase ${JSON.stringify(rec?.phase)})`);
      }
      if (rec.run !== this.identity) {
        throw new StoreError(
          `${where}: belongs to another run (identity ${JSON.stringify(rec.run ?? null)}, this run is ${this.identity}); ` +
            `a run folder holds one run's records only. Finish that run elsewhere, or start this one in a new folder`,
        );
      }
      const { run: _run, ...record } = rec;
      byKey.set(recordId(record as CellRecord), record as CellRecord);
    });
    return [...byKey.values()];
  }
}
