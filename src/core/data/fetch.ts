// `optrobust data fetch NAME`: downloads a dataset's official files (or its archive, then
// extracts the files) into the cache, verifying each download against its published MD5.
// Nothing else in optrobust uses the network. A download streams into `<file>.partial` and
// is renamed into place only once verified, an archive's files only once all are extracted,
// so an interrupted or failed fetch leaves no file that looks complete, and no empty folder.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tar from 'tar';
import { cacheDir, datasetSource, type ArchiveDownload, type DatasetSource } from './sources.ts';
import { dataFormat } from './formats/index.ts';
import { CHECKSUMS_FILE, md5, recordedChecksums, sha256, sha256Mismatches } from './checksums.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { ExternalError, InputError, WriteError } from '../../errors.ts';

export interface FetchOptions {
  /** Destination folder (default: the cache folder for `name`). */
  readonly dir?: string;
  /** Overrides the dataset's download location (a mirror folder holding the same file names). */
  readonly baseUrl?: string;
  readonly onFile?: (file: string, status: 'present' | 'downloaded') => void;
  /** Milliseconds to wait for a response to start (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** Milliseconds without a byte before a download is given up (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Aborting stops the fetch: what arrived is removed (and the folder, when this fetch made it), and it rejects with FetchInterrupted. */
  readonly signal?: AbortSignal;
}

/** A fetch stopped through FetchOptions.signal; nothing half-written is left. */
export class FetchInterrupted extends Error {
  constructor() {
    super('interrupted; nothing half-written was left');
    this.name = 'FetchInterrupted';
  }
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

/** The cause undici puts under "fetch failed": ECONNREFUSED, ENOTFOUND, a TLS error... */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return (e as Error).message;
}

/** Streams `url` into `partial` with connect and idle timeouts; returns the MD5 of what arrived. */
async function download(url: string, partial: string, connectMs: number, idleMs: number, stop?: AbortSignal): Promise<string> {
  const abort = new AbortController();
  if (stop?.aborted) throw new FetchInterrupted();
  const onStop = () => abort.abort(new FetchInterrupted());
  stop?.addEventListener('abort', onStop, { once: true });
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
    stop?.removeEventListener('abort', onStop);
    clearTimeout(timer);
    if (fd !== undefined) closeSync(fd);
  }
}

/** Where `source` gets its files from, and what is done once they are there. */
function plan(name: string, source: DatasetSource): { files: [file: string, md5: string, url: (base?: string) => string][]; archive?: ArchiveDownload } {
  const d = source.download;
  if (!d) throw new InputError(`dataset "${name}" has no download location: ${source.installHint}`);
  if ('members' in d) return { files: [], archive: d };
  return { files: Object.entries(d.md5).map(([file, md5]) => [file, md5, (base = d.baseUrl) => new URL(file, base.endsWith('/') ? base : `${base}/`).href]) };
}

/** Downloads `url` into `target` through `<target>.partial`, renamed into place only when its MD5 is `expected`. */
async function fetchVerified(url: string, target: string, expected: string, options: FetchOptions): Promise<void> {
  const partial = `${target}.partial`;
  try {
    const actual = await download(url, partial, options.connectTimeoutMs ?? 30_000, options.idleTimeoutMs ?? 60_000, options.signal);
    if (actual !== expected) throw new ChecksumError(target, expected, actual);
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Downloads a verified archive next to the dataset folder's files, extracts the listed
 * members into a staging folder, checks every one arrived, and only then moves them into
 * place; the archive and the staging folder are removed whatever happens.
 */
async function fetchArchive(dir: string, archive: ArchiveDownload, options: FetchOptions): Promise<void> {
  const name = basename(new URL(archive.url).pathname);
  const target = join(dir, `.${name}`);
  const staging = join(dir, `.extract-${process.pid}`);
  try {
    await fetchVerified(
      options.baseUrl ? new URL(name, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`).href : archive.url,
      target,
      archive.md5,
      options,
    );
    mkdirSync(staging, { recursive: true });
    const wanted = new Set(Object.keys(archive.members));
    try {
      await tar.x({ file: target, cwd: staging, strict: true, filter: (path) => wanted.has(path.replace(/^\.\//, '')) });
    } catch (e) {
      throw new DownloadError(archive.url, `the archive cannot be extracted: ${(e as Error).message}`);
    }
    const lacking = [...wanted].filter((m) => !existsSync(join(staging, m)));
    if (lacking.length) throw new DownloadError(archive.url, `the archive lacks ${lacking.join(', ')}`);
    // The members' checksums, taken from the verified archive's contents, so that a later load can verify the folder.
    const checksums = Object.fromEntries(Object.entries(archive.members).map(([member, file]) => [file, sha256(readFileSync(join(staging, member)))]));
    for (const [member, file] of Object.entries(archive.members)) {
      try {
        renameSync(join(staging, member), join(dir, file));
      } catch (e) {
        throw new WriteError(join(dir, file), e);
      }
      options.onFile?.(file, 'downloaded');
    }
    writeFileAtomic(join(dir, CHECKSUMS_FILE), `${JSON.stringify(checksums, null, 2)}\n`);
  } finally {
    rmSync(target, { force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function fetchDataset(name: string, options: FetchOptions = {}): Promise<string> {
  return fetchSource(name, datasetSource(name), options);
}

/** `fetchDataset` for a source given explicitly (mirrors of a known dataset, tests). */
export async function fetchSource(name: string, source: DatasetSource, options: FetchOptions = {}): Promise<string> {
  const { files, archive } = plan(name, source);
  const dir = options.dir ?? join(cacheDir(), name);
  const created = !existsSync(dir);
  const ensureDir = () => {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new WriteError(dir, e);
    }
  };
  try {
    for (const [file, expected, url] of files) {
      const target = join(dir, file);
      if (existsSync(target) && md5(readFileSync(target)) === expected) {
        options.onFile?.(file, 'present');
        continue;
      }
      ensureDir();
      await fetchVerified(url(options.baseUrl), target, expected, options);
      options.onFile?.(file, 'downloaded');
    }
    if (archive) {
      // An archive's members have no published checksums of their own: a complete folder (every
      // file, of the format's sizes) counts as present; the run's data fingerprint records the contents.
      const recorded = existsSync(dir) && dataFormat(source.format).missing(dir).length === 0 ? recordedChecksums(dir) : undefined;
      if (recorded && sha256Mismatches(dir, recorded).length === 0) {
        for (const file of Object.values(archive.members)) options.onFile?.(file, 'present');
      } else {
        ensureDir();
        await fetchArchive(dir, archive, options);
      }
    }
  } catch (e) {
    // A folder this fetch created and filled with nothing is removed again (also when interrupted).
    if (created && existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    if (options.signal?.aborted) throw new FetchInterrupted();
    throw e;
  }
  return dir;
}
