// Mid-cell checkpoints: a cell's training state, written atomically to the run folder every
// so many seconds while it trains (and once more when the run is stopped), read back when
// the cell runs again, removed once the cell's record is stored. One file per cell,
// checkpoints/<hash of the cell key>.ckpt: a line of JSON (what and whose it is, the
// payload's SHA-256) and the payload, the state in V8's structured-clone encoding (typed
// arrays as their bytes; NaN, ±Infinity and -0 as themselves). A file that is not this run's
// and this cell's, was written by code of other numerics (an upgrade between attempts), or is
// not whole, is not used: the cell starts again from step 0.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../../core/util/atomic.ts';
import { NUMERICS } from './manifest.ts';

export const CHECKPOINTS_DIR = 'checkpoints';
const MAGIC = 'optrobust-checkpoint 1';
/** A header line is well under this (its longest field is the cell's key). */
const HEADER_MAX = 1 << 16;

/** What a checkpoint says about itself (its first line). */
export interface CheckpointHeader {
  readonly format: typeof MAGIC;
  /** The run's identity (run.json). */
  readonly identity: string;
  /** The numerics revision of the code that wrote it (manifest.ts NUMERICS): another's state is not continued. */
  readonly numerics: string;
  /** The cell's store key (phase and key). */
  readonly cell: string;
  /** Training steps the state has taken, and the cell's total (when known). */
  readonly step: number;
  readonly total?: number;
  /** Whether training had finished (the cell was evaluating). */
  readonly trained: boolean;
  readonly savedAt: string;
  readonly bytes: number;
  readonly sha256: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function checkpointFile(dir: string, cell: string): string {
  return join(dir, CHECKPOINTS_DIR, `${sha256(Buffer.from(cell)).slice(0, 24)}.ckpt`);
}

export interface CheckpointInfo {
  readonly step: number;
  readonly total?: number;
  readonly trained: boolean;
}

/** Writes a cell's state durably (whole or not at all); returns the file's size in bytes. */
export function writeCheckpoint(dir: string, identity: string, cell: string, info: CheckpointInfo, state: unknown): number {
  const payload = serialize(state);
  const header: CheckpointHeader = {
    format: MAGIC,
    identity,
    numerics: NUMERICS,
    cell,
    ...info,
    savedAt: new Date().toISOString(),
    bytes: payload.length,
    sha256: sha256(payload),
  };
  const bytes = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), payload]);
  writeFileAtomic(checkpointFile(dir, cell), bytes);
  return bytes.length;
}

function parse(bytes: Buffer): { header: CheckpointHeader; payload: Buffer } | undefined {
  const nl = bytes.indexOf(10);
  if (nl < 0) return undefined;
  try {
    const header = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as CheckpointHeader;
    if (header.format !== MAGIC) return undefined;
    return { header, payload: bytes.subarray(nl + 1) };
  } catch {
    return undefined;
  }
}

/** A cell's checkpoint when there is one, whole, of this run and this cell; undefined otherwise. */
export function readCheckpoint(dir: string, identity: string, cell: string): { header: CheckpointHeader; state: unknown } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(checkpointFile(dir, cell));
  } catch {
    return undefined;
  }
  const file = parse(bytes);
  if (!file || file.header.identity !== identity || file.header.cell !== cell || file.header.numerics !== NUMERICS) return undefined;
  if (file.payload.length !== file.header.bytes || sha256(file.payload) !== file.header.sha256) return undefined;
  try {
    return { header: file.header, state: deserialize(file.payload) };
  } catch {
    return undefined;
  }
}

export function removeCheckpoint(dir: string, cell: string): void {
  rmSync(checkpointFile(dir, cell), { force: true });
}

/** Every checkpoint in a run folder (headers only), for status; files that are not checkpoints are left out. */
export function listCheckpoints(dir: string): (CheckpointHeader & { readonly fileBytes: number })[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, CHECKPOINTS_DIR)).filter((n) => n.endsWith('.ckpt'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const path = join(dir, CHECKPOINTS_DIR, n);
    let fd: number | undefined;
    try {
      // The header line only: a checkpoint can be megabytes.
      fd = openSync(path, 'r');
      const head = Buffer.alloc(HEADER_MAX);
      const file = parse(head.subarray(0, readSync(fd, head, 0, HEADER_MAX, 0)));
      return file ? [{ ...file.header, fileBytes: fstatSync(fd).size }] : [];
    } catch {
      return [];
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  });
}

/**
 * What a cell sees of checkpoints (CellContext.checkpoints): its last state, whether a new
 * one is due, whether the run is stopping, and where to save.
 */
export interface CellCheckpoints {
  load(): unknown;
  /** The interval has passed since the cell started or last saved. */
  due(): boolean;
  /** The run is being stopped: save now and stop. */
  stopping(): boolean;
  save(state: unknown, info: CheckpointInfo): void;
  /**
   * A state to keep should the run stop before the cell ends (a finished training, while the
   * cell evaluates): saved now when one is due, else only then.
   */
  hold(state: unknown, info: CheckpointInfo): void;
  /** Whether the cell is training now (a stop then waits for the next step's checkpoint). */
  training: boolean;
  /** The step of the checkpoint `load` found (undefined: none, the cell started from step 0). */
  readonly resumedFrom: number | undefined;
}

export interface CheckpointSettings {
  readonly dir: string;
  readonly identity: string;
  /** Seconds between checkpoints. */
  readonly every: number;
  /** Whether the run is stopping. */
  readonly stopping: () => boolean;
}

/** The checkpoints of one cell, timed from now. */
export function cellCheckpoints(s: CheckpointSettings, cell: string): CellCheckpoints & { flush(): void } {
  let last = performance.now();
  let held: { state: unknown; info: CheckpointInfo } | undefined;
  const save = (state: unknown, info: CheckpointInfo) => {
    writeCheckpoint(s.dir, s.identity, cell, info, state);
    last = performance.now();
    held = undefined;
  };
  const due = () => performance.now() - last >= s.every * 1000;
  let resumedFrom: number | undefined;
  return {
    training: false,
    get resumedFrom() {
      return resumedFrom;
    },
    load() {
      const found = readCheckpoint(s.dir, s.identity, cell);
      resumedFrom = found?.header.step;
      return found?.state;
    },
    due,
    stopping: s.stopping,
    save,
    hold(state, info) {
      if (due()) save(state, info);
      else held = { state, info };
    },
    /** Writes the held state, if any (the run is stopping while the cell evaluates). */
    flush() {
      if (held) save(held.state, held.info);
    },
  };
}
