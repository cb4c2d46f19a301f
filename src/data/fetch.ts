// `optrobust data fetch NAME`: downloads a dataset's official files into the cache,
// verifying each against its published MD5. Nothing else in optrobust uses the network.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, datasetSource } from './sources.ts';

export interface FetchOptions {
  /** Destination folder (default: the cache folder for `name`). */
  readonly dir?: string;
  /** Overrides the dataset's download location (mirrors, tests). */
  readonly baseUrl?: string;
  readonly onFile?: (file: string, status: 'present' | 'downloaded') => void;
}

export class ChecksumError extends Error {
  constructor(readonly file: string, readonly expected: string, readonly actual: string) {
    super(`${file}: MD5 ${actual} does not match the published ${expected}; the download was deleted`);
    this.name = 'ChecksumError';
  }
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

export async function fetchDataset(name: string, options: FetchOptions = {}): Promise<string> {
  const source = datasetSource(name);
  if (!source.baseUrl || !source.md5) throw new Error(`dataset "${name}" has no download location: ${source.installHint}`);
  const dir = options.dir ?? join(cacheDir(), name);
  mkdirSync(dir, { recursive: true });
  const base = options.baseUrl ?? source.baseUrl;
  for (const [file, expected] of Object.entries(source.md5)) {
    const target = join(dir, file);
    if (existsSync(target) && md5(readFileSync(target)) === expected) {
      options.onFile?.(file, 'present');
      continue;
    }
    const url = new URL(file, base.endsWith('/') ? base : `${base}/`).href;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const partial = `${target}.partial`;
    writeFileSync(partial, bytes);
    const actual = md5(bytes);
    if (actual !== expected) {
      rmSync(partial, { force: true });
      throw new ChecksumError(target, expected, actual);
    }
    renameSync(partial, target);
    options.onFile?.(file, 'downloaded');
  }
  return dir;
}
