// CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin
// to data_batch_5.bin (training) and test_batch.bin, each a run of 3,073-byte records: the
// label (0-9), then the 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes, rows top
// to bottom. That is [C, H, W] order already. The folder may be the archive's
// cifar-10-batches-bin/ itself or the folder holding it.
import { existsSync } from 'node:fs';
import { readRegularFile } from '../../util/paths.ts';
import { join } from 'node:path';
import { DataError } from '../idx.ts';
import { checkLabels, Fingerprint, toPixels, type Dataset, type Split } from '../dataset.ts';
import type { DatasetSpec, SyncDataFormat } from './format.ts';

export const CIFAR_SHAPE = [3, 32, 32] as const;
const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;
export const CIFAR_FILES = { train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ['test_batch.bin'] } as const;
const SUBFOLDER = 'cifar-10-batches-bin';

/** `dir`, or its cifar-10-batches-bin/ when the files are there. */
function folder(dir: string): string {
  const inner = join(dir, SUBFOLDER);
  return !existsSync(join(dir, CIFAR_FILES.test[0])) && existsSync(join(inner, CIFAR_FILES.test[0])) ? inner : dir;
}

function loadSplit(dir: string, files: readonly string[], numClasses: number, hash: Fingerprint): Split {
  const parts = files.map((f) => {
    const file = join(dir, f);
    // No batch file of the binary version holds more than the whole set's 60,000 records.
    const bytes = readRegularFile(file, { what: 'a CIFAR-10 binary batch file', maxBytes: 60_000 * RECORD, error: (f, problem) => new DataError(f, problem) });
    if (bytes.length === 0 || bytes.length % RECORD !== 0) {
      throw new DataError(
        file,
        `holds ${bytes.length} bytes, not a whole number of ${RECORD}-byte records (a label byte and 3x32x32 pixels); ` +
          `truncated, or not the binary version of CIFAR-10`,
      );
    }
    return { file, bytes, count: bytes.length / RECORD };
  });
  const count = parts.reduce((n, p) => n + p.count, 0);
  const raw = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    const own = new Uint8Array(p.count);
    for (let r = 0; r < p.count; r++) {
      own[r] = p.bytes[r * RECORD]!;
      raw.set(p.bytes.subarray(r * RECORD + 1, (r + 1) * RECORD), (at + r) * PIXELS);
    }
    checkLabels(own, numClasses, p.file, 'record');
    labels.set(own, at);
    at += p.count;
  }
  hash.add([count, ...CIFAR_SHAPE], raw, labels);
  return { images: toPixels(raw), labels, count };
}

export const cifar10: SyncDataFormat = {
  name: 'cifar10',
  layout: `${[...CIFAR_FILES.train, ...CIFAR_FILES.test].join(', ')} (CIFAR-10's binary version), or a folder holding ${SUBFOLDER}/ with them`,
  missing: (dir) => {
    const d = folder(dir);
    return [...CIFAR_FILES.train, ...CIFAR_FILES.test].filter((f) => !existsSync(join(d, f)));
  },
  load(dir: string, { name, numClasses = 10 }: DatasetSpec): Dataset {
    const d = folder(dir);
    const missing = cifar10.missing(dir);
    if (missing.length > 0) throw new DataError(dir, `missing ${missing.join(', ')}; expected ${cifar10.layout}`);
    const hash = new Fingerprint();
    const train = loadSplit(d, CIFAR_FILES.train, numClasses, hash);
    const test = loadSplit(d, CIFAR_FILES.test, numClasses, hash);
    return { name, dir, shape: [...CIFAR_SHAPE], numClasses, train, test, fingerprint: hash.digest() };
  },
};
