// Output files appear whole or not at all: write a temporary sibling, fsync it, then
// rename it over the target. A failed write leaves the previous file in place and throws
// a WriteError naming the file.
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { kindOf, TEMPORARY } from './paths.ts';
import { dirname, basename, join } from 'node:path';
import { WriteError } from '../../errors.ts';

/** Makes a directory entry (a new or renamed file) durable; a no-op where directories cannot be opened. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open directories; the rename is as durable as the platform makes it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  // The rename would replace whatever is there; only ever a regular file (never a device, FIFO, folder or link).
  const existing = lstatIfAny(path);
  if (existing && !existing.isFile()) throw new WriteError(path, new Error(`it is ${kindOf(existing)}; only a regular file is ever replaced`));
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new WriteError(path, e);
  }
  fsyncDir(dir);
}

function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Removes the temporaries writeFileAtomic leaves when its process is killed mid-write (a
 * killed run's folder, before it is resumed). Only for a folder whose lock this process
 * holds: no other writer can own them.
 */
export function removeStaleTemporaries(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (TEMPORARY.test(name)) rmSync(join(dir, name), { force: true });
}
