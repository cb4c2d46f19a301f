// Every path a user names goes through here before it is read or written. A path must be
// what its use needs, checked before anything is opened or written:
//   - read: a regular file (symlinks are followed to what they name), no larger than its
//     format allows; devices, FIFOs, sockets and folders are refused (a FIFO would block a
//     read forever, a device would be read until memory runs out);
//   - written: absent, or a regular file to replace; never a device, FIFO, socket, folder or
//     symlink (writes rename a temporary file over the target, which would replace the
//     special file itself), and never under a path component that is a file;
//   - a folder: absent (created) or a folder.
// Problems are InputErrors (exit 2) naming the path and what was expected; failures of the
// world (EIO) on reading are ExternalErrors (exit 3).
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExternalError, InputError } from '../../errors.ts';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** What a file system entry is, in words. */
export function kindOf(s: Stats): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a folder';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** An input problem with `path`; `make` builds the error type of the caller's format (OnnxFileError, DataError, ...). */
export type PathErrorMaker = (path: string, problem: string) => Error;
const inputError: PathErrorMaker = (path, problem) => new InputError(`${path}: ${problem}`);

/** Errors of the world (EIO, EMFILE) are not the user's input; what the user can fix is. */
const USER_CODES = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP', 'EISDIR', 'ENAMETOOLONG']);

function describeOpenError(e: unknown): string {
  const c = code(e);
  if (c === 'ENOENT') return 'no such file';
  if (c === 'ENOTDIR') return 'a component of the path is not a folder';
  if (c === 'EACCES' || c === 'EPERM') return 'cannot be read (permission denied)';
  if (c === 'ELOOP') return 'a symbolic link loop';
  return `cannot be read (${c})`;
}

export interface ReadOptions {
  /** What the file should be, for messages: "an ONNX model", "an IDX file". */
  readonly what: string;
  /** The largest file the format allows. */
  readonly maxBytes: number;
  readonly error?: PathErrorMaker;
}

/** `path`'s bytes, once it is known to be a regular file within the format's size bound. */
export function readRegularFile(path: string, o: ReadOptions): Buffer {
  const error = o.error ?? inputError;
  const failed = (e: unknown): Error =>
    USER_CODES.has(code(e)) ? error(path, `${describeOpenError(e)}; expected ${o.what}`) : new ExternalError(`${path}: cannot be read (${code(e)})`);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw failed(e);
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw error(path, `is ${kindOf(s)}; expected ${o.what} (a regular file)`);
    if (s.size > o.maxBytes) throw error(path, `is ${s.size} bytes; ${o.what} is at most ${o.maxBytes} bytes`);
    const buf = Buffer.allocUnsafe(s.size);
    let at = 0;
    while (at < s.size) {
      const n = readSync(fd, buf, at, s.size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === s.size ? buf : buf.subarray(0, at);
  } catch (e) {
    // Our own refusals above carry no system error code.
    throw (e as NodeJS.ErrnoException).code ? failed(e) : e;
  } finally {
    closeSync(fd);
  }
}

/** Like readRegularFile, as UTF-8 text. */
export function readRegularText(path: string, o: ReadOptions): string {
  return readRegularFile(path, o).toString('utf8');
}

function statOrUndefined(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    if (code(e) === 'ENOTDIR') throw new InputError(`${path}: a component of the path is a file, not a folder`);
    if (USER_CODES.has(code(e))) throw new InputError(`${path}: ${describeOpenError(e)}`);
    throw new ExternalError(`${path}: cannot be examined (${code(e)})`);
  }
}

/** The nearest existing ancestor of `path` must be a folder (a file in the way is named). */
function checkAncestors(path: string, flag: string): void {
  const abs = resolve(path);
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    const s = statOrUndefined(dir, true);
    if (s) {
      if (!s.isDirectory()) throw new InputError(`${flag} ${path}: ${dir} is ${kindOf(s)}, not a folder, so nothing can be written under it`);
      return;
    }
    if (dir === dirname(dir)) return; // the root
  }
}

/**
 * Checks that `path` may receive a file: absent, or a regular file to be replaced; never a
 * folder, symlink or special file, and not under a file. `flag` names where the path came from.
 */
export function checkOutputFile(path: string, flag: string): void {
  checkAncestors(path, flag);
  const s = statOrUndefined(path, false);
  if (s && !s.isFile()) throw new InputError(`${flag} ${path}: is ${kindOf(s)}; expected a new file or a regular file to replace`);
}

/** Checks that `path` may be used as an output folder: absent (it will be created) or a folder (symlinks to folders are followed). */
export function checkOutputFolder(path: string, flag: string): void {
  checkAncestors(path, flag);
  const s = statOrUndefined(path, true);
  if (s && !s.isDirectory()) throw new InputError(`${flag} ${path}: is ${kindOf(s)}; expected a folder (or a path where one can be made)`);
}

/** Temporaries of an interrupted atomic write (named by atomic.ts): a folder's own leftovers. */
export const TEMPORARY = /^\..+\.\d+\.tmp$/;

/**
 * Checks, before anything is written, that the output folder `path` is absent, empty, or
 * holds only files named in `own` (what this command writes there, so it may replace them);
 * anything else (another run, another tool's files) is refused with the first entries named.
 */
export function checkOwnFolder(path: string, flag: string, own: readonly string[], why = 'choose a new or empty folder'): void {
  checkOutputFolder(path, flag);
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return;
    throw new InputError(`${flag} ${path}: ${describeOpenError(e)}`);
  }
  const foreign = names.filter((n) => !own.includes(n) && !TEMPORARY.test(n)).sort();
  if (foreign.length)
    throw new InputError(
      `${flag} ${path}: already holds ` +
        `${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}, which this ` +
        `command did not write; ${why}`,
    );
}
