// What makes a cached dataset trustworthy: the published MD5 of each downloaded file, or, for
// an archive's members (which have no published checksums of their own), the SHA-256 of each
// member recorded in the folder when `data fetch` extracted it from the verified archive.
// A dataset loaded from the cache is checked against these first; a mismatch is an error
// naming the file, never a run on damaged data.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile, readRegularText, GiB, MiB } from '../util/paths.ts';
import { DataError } from './idx.ts';

/** Member -> SHA-256, written beside an archive's extracted members. */
export const CHECKSUMS_FILE = 'optrobust-checksums.json';

export const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const readData = (file: string) => readRegularFile(file, { what: 'a dataset file', maxBytes: 2 * GiB - 1, error: (f, problem) => new DataError(f, problem) });

/** Files of `dir` whose MD5 is not the published one (each with what was found). */
export function md5Mismatches(dir: string, published: Readonly<Record<string, string>>): { file: string; expected: string; actual: string }[] {
  return Object.entries(published).flatMap(([file, expected]) => {
    const path = join(dir, file);
    if (!existsSync(path)) return [];
    const actual = md5(readData(path));
    return actual === expected ? [] : [{ file: path, expected, actual }];
  });
}

/** The recorded SHA-256 per member file of `dir`, or undefined when none was recorded. */
export function recordedChecksums(dir: string): Record<string, string> | undefined {
  const file = join(dir, CHECKSUMS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readRegularText(file, { what: 'a checksum record', maxBytes: 1 * MiB })) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string'))
      throw new Error('not an object of file -> SHA-256');
    return parsed as Record<string, string>;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(file, `not a checksum record (${(e as Error).message}); delete the folder and run \`optrobust data fetch\` again`);
  }
}

/** Member files of `dir` whose SHA-256 differs from the record. */
export function sha256Mismatches(dir: string, recorded: Readonly<Record<string, string>>): { file: string; expected: string; actual: string }[] {
  return Object.entries(recorded).flatMap(([file, expected]) => {
    const path = join(dir, file);
    const actual = existsSync(path) ? sha256(readData(path)) : 'missing';
    return actual === expected ? [] : [{ file: path, expected, actual }];
  });
}
