// A user's dataset decoded once: the run's command, every pool worker and every later run
// of the same files read the decoded arrays instead of decoding thousands of images again.
// The cache key covers what the result depends on: the format, its options, and every file
// under the path (its name, size and modification time, as make trusts them); anything
// changed is a miss and decodes afresh. Entries live in the user cache (cacheDir()/decoded).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { toPixels, type Dataset, type Split } from './dataset.ts';

const VERSION = 1;

/** Every file under `path` (or the file itself): its path relative to `path`, size and mtime. */
function listing(path: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  const seen = new Set<string>();
  const walk = (p: string) => {
    let s: ReturnType<typeof statSync>;
    try {
      s = statSync(p);
    } catch {
      return; // a dangling link or a loop: the loader names it
    }
    if (s.isDirectory()) {
      const real = realpathSync(p);
      if (seen.has(real)) return;
      seen.add(real);
      for (const name of readdirSync(p).sort()) walk(join(p, name));
    } else out.push([relative(path, p), s.size, s.mtimeMs]);
  };
  walk(path);
  return out;
}

export function cacheKey(path: string, format: string, options: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: VERSION, format, options, path: realpathSync(path), files: listing(path) }))
    .digest('hex')
    .slice(0, 32);
}

/** What a run records of its data without its pixels: enough to identify it and build models for it. */
export interface DataInfo {
  readonly name: string;
  readonly dir: string;
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  readonly classes?: readonly string[];
  readonly fingerprint: string;
  readonly skipped?: Dataset['skipped'];
}

interface Header extends Omit<DataInfo, 'dir'> {
  readonly counts: readonly [number, number];
  /** Pixels stored as bytes v (read as v / 255), or as float32 when some pixel is not such a value. */
  readonly bytes: boolean;
}

/** Pixels that are all k/255 in float32 as bytes; undefined when any is not. */
function asBytes(images: Float32Array): Uint8Array | undefined {
  const out = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const b = Math.round(images[i]! * 255);
    if (!(b >= 0 && b <= 255) || Math.fround(b / 255) !== images[i]) return undefined;
    out[i] = b;
  }
  return out;
}

/** The header of a decoded entry, without reading its arrays; undefined when there is none. */
export function cachedInfo(cacheDir: string, path: string, format: string, options: unknown, name: string): DataInfo | undefined {
  const file = join(cacheDir, 'decoded', `${cacheKey(path, format, options)}.bin`);
  if (!existsSync(file)) return undefined;
  try {
    const fd = openSync(file, 'r');
    try {
      const len = Buffer.alloc(4);
      readSync(fd, len, 0, 4, 0);
      const head = Buffer.alloc(len.readUInt32LE(0));
      if (readSync(fd, head, 0, head.length, 4) !== head.length) return undefined;
      const h = JSON.parse(head.toString('utf8')) as Header;
      return {
        name,
        dir: path,
        shape: h.shape,
        numClasses: h.numClasses,
        fingerprint: h.fingerprint,
        ...(h.classes ? { classes: h.classes } : {}),
        ...(h.skipped ? { skipped: h.skipped } : {}),
      };
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function read(file: string, dir: string): Dataset | undefined {
  try {
    const buf = readFileSync(file);
    const headerLen = buf.readUInt32LE(0);
    const h = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as Header;
    let at = 4 + headerLen;
    const size = h.shape[0] * h.shape[1] * h.shape[2];
    const split = (count: number): Split => {
      const n = count * size;
      let images: Float32Array;
      if (h.bytes) {
        images = toPixels(buf.subarray(at, at + n));
        at += n;
      } else {
        images = new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 4 * n));
        at += 4 * n;
      }
      const labels = Uint8Array.from(buf.subarray(at, at + count));
      at += count;
      return { images, labels, count };
    };
    const train = split(h.counts[0]);
    const test = split(h.counts[1]);
    if (at !== buf.length) return undefined;
    return {
      name: h.name,
      dir,
      shape: h.shape,
      numClasses: h.numClasses,
      train,
      test,
      fingerprint: h.fingerprint,
      ...(h.classes ? { classes: h.classes } : {}),
      ...(h.skipped ? { skipped: h.skipped } : {}),
    };
  } catch {
    return undefined; // torn or foreign: decode afresh
  }
}

function write(file: string, d: Dataset): void {
  const trainBytes = asBytes(d.train.images);
  const testBytes = trainBytes && asBytes(d.test.images);
  const bytes = Boolean(trainBytes && testBytes);
  const header: Header = {
    name: d.name,
    shape: d.shape,
    numClasses: d.numClasses,
    ...(d.classes ? { classes: d.classes } : {}),
    fingerprint: d.fingerprint,
    ...(d.skipped ? { skipped: d.skipped } : {}),
    counts: [d.train.count, d.test.count],
    bytes,
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const pixels = (s: Split, b: Uint8Array | undefined) => (bytes ? b! : new Uint8Array(s.images.buffer, s.images.byteOffset, s.images.byteLength));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  writeFileAtomic(file, Buffer.concat([len, head, pixels(d.train, trainBytes), d.train.labels, pixels(d.test, testBytes), d.test.labels]));
}

/**
 * The dataset at `path` decoded by `load`, or read back from the cache when nothing it was
 * decoded from has changed. A cache that cannot be written (a read-only home) only costs
 * the next load its decoding.
 */
export async function cachedDecode(
  cacheDir: string,
  path: string,
  format: string,
  options: unknown,
  name: string,
  load: () => Dataset | Promise<Dataset>,
): Promise<Dataset> {
  const dir = join(cacheDir, 'decoded');
  const file = join(dir, `${cacheKey(path, format, options)}.bin`);
  const hit = existsSync(file) ? read(file, path) : undefined;
  if (hit) return { ...hit, name };
  const d = await load();
  try {
    mkdirSync(dir, { recursive: true });
    write(file, d);
  } catch {
    rmSync(file, { force: true });
  }
  return d;
}
