// `optrobust data fetch NAME`: downloads a dataset's official files into the cache,
// verifying each against its published MD5. Nothing else in optrobust uses the network.
// A download streams into `<file>.partial` and is renamed into place only once verified,
// so an interrupted or failed fetch leaves no file that looks complete, and no empty folder.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, datasetSource } from './sources.ts';
import { ExternalError, InputError, WriteError } from '../errors.ts';

export interface FetchOptions {
  /** Destination folder (default: the cache folder for `name`). */
  readonly dir?: string;
  /** Overrides the dataset's download location (mirrors, tests). */
  readonly baseUrl?: string;
  readonly onFile?: (file: string, status: 'present' | 'downloaded') => void;
  /** Milliseconds to wait for a response to start (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Milliseconds without a byte before a download is given up (default 60 s). */
  readonly idleTimeoutMs?: number;
}

export class ChecksumError extends ExternalError {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: MD5 ${actual} does not match the published ${expected}; the download was deleted`);
  }
}

/** A download that did not complete: the URL and why (refused, timed out, HTTP status, cut off). */
export class DownloadError extends ExternalError {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`${url}: ${reason}`);
  }
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** The cause undici puts under "fetch failed": ECONNREFUSED, ENOTFOUND, a TLS error... */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return (e as Error).message;
}

/** Streams `url` into `partial` with connect and idle timeouts; returns the MD5 of what arrived. */
async function download(url: string, partial: string, connectMs: number, idleMs: number): Promise<string> {
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(new DownloadError(url, `no response within ${connectMs / 1000} s`)), connectMs);
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new DownloadError(url, `no data for ${idleMs / 1000} s; the download was cut off`)), idleMs);
  };
  let fd: number | undefined;
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: abort.signal });
    } catch (e) {
      throw abort.signal.aborted ? abort.signal.reason : new DownloadError(url, `cannot connect: ${causeOf(e)}`);
    }
    if (!response.ok || !response.body) throw new DownloadError(url, `HTTP ${response.status} ${response.statusText}`);
    const hash = createHash('md5');
    try {
      fd = openSync(partial, 'w');
    } catch (e) {
      throw new WriteError(partial, e);
    }
    idle();
    const reader = response.body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw abort.signal.aborted ? abort.signal.reason : new DownloadError(url, `the download broke off: ${causeOf(e)}`);
      }
      if (chunk.done) break;
      idle();
      hash.update(chunk.value);
      try {
        for (let at = 0; at < chunk.value.length; ) at += writeSync(fd, chunk.value, at);
      } catch (e) {
        throw new WriteError(partial, e);
      }
    }
    fsyncSync(fd);
    return hash.digest('hex');
  } finally {
    clearTimeout(timer);
    if (fd !== undefined) closeSync(fd);
  }
}

export async function fetchDataset(name: string, options: FetchOptions = {}): Promise<string> {
  const source = datasetSource(name);
  if (!source.baseUrl || !source.md5) throw new InputError(`dataset "${name}" has no download location: ${source.installHint}`);
  const dir = options.dir ?? join(cacheDir(), name);
  const base = options.baseUrl ?? source.baseUrl;
  const created = !existsSync(dir);
  try {
    for (const [file, expected] of Object.entries(source.md5)) {
      const target = join(dir, file);
      if (existsSync(target) && md5(readFileSync(target)) === expected) {
        options.onFile?.(file, 'present');
        continue;
      }
      const url = new URL(file, base.endsWith('/') ? base : `${base}/`).href;
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new WriteError(dir, e);
      }
      const partial = `${target}.partial`;
      try {
        const actual = await download(url, partial, options.connectTimeoutMs ?? 30_000, options.idleTimeoutMs ?? 60_000);
        if (actual !== expected) throw new ChecksumError(target, expected, actual);
        renameSync(partial, target);
      } finally {
        rmSync(partial, { force: true });
      }
      options.onFile?.(file, 'downloaded');
    }
  } catch (e) {
    // A folder this fetch created and filled with nothing is removed again.
    if (created && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    throw e;
  }
  return dir;
}
