// One writer per run folder: `run.lock` holds the owner's pid and host, created
// exclusively. A lock whose owner is gone (same host, no such process) is stale and is
// taken over; a live owner's lock refuses the second writer with who holds it.
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError, WriteError } from '../../errors.ts';

export const LOCK_FILE = 'run.lock';

export class LockedError extends InputError {}

export interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined; // unreadable or half-written: its writer died before finishing it
  }
}

/** Takes the folder's lock for this process; returns the function that releases it. */
export function acquireLock(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new WriteError(file, e);
      const owner = readOwner(file);
      if (owner && (owner.host !== me.host || alive(owner.pid)) && owner.pid !== process.pid) {
        const where = owner.host === me.host ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
        throw new LockedError(
          `${dir}: another optrobust (${where}, since ${owner.since}) is writing this run; wait for it to finish, or ` +
            `stop it and use --resume. If it is gone, delete ${file}`,
        );
      }
      rmSync(file, { force: true }); // stale: its owner is gone
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    return () => {
      if (existsSync(file) && readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
    };
  }
  throw new LockedError(`${dir}: could not take ${file} (another process keeps re-creating it)`);
}

/** Who holds `dir`'s lock now: a live writer (on this host, or any on another host), or undefined. */
export function lockHolder(dir: string): Owner | undefined {
  const owner = readOwner(join(dir, LOCK_FILE));
  return owner && (owner.host !== hostname() || alive(owner.pid)) ? owner : undefined;
}
