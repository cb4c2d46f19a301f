// Where each named dataset comes from: the subset shipped in this repository, a
// system folder (Debian's dataset-fashion-mnist), a user cache filled by `data fetch`,
// or any IDX folder passed explicitly.
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { loadIdxFolder, missingFiles, type Dataset } from './dataset.ts';
import { DataError } from './idx.ts';

export interface DatasetSource {
  readonly description: string;
  /** Official download location (directory URL) for `data fetch`. */
  readonly baseUrl?: string;
  /** MD5 of each official gzipped file, as published by the dataset's authors. */
  readonly md5?: Readonly<Record<string, string>>;
  /** Folders searched, in order, before the user cache. */
  readonly folders: readonly string[];
  readonly installHint: string;
}

const REPO_DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');

export function cacheDir(): string {
  return process.env.OPTROBUST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'optrobust');
}

export const DATASETS: Readonly<Record<string, DatasetSource>> = {
  'fashion-mnist-subset': {
    description: 'Fashion-MNIST, class-balanced subset shipped in this repository (10,000 train / 2,000 test)',
    folders: [join(REPO_DATA, 'fashion-mnist-subset')],
    installHint: 'it ships with optrobust; a missing folder means a broken checkout',
  },
  'fashion-mnist': {
    description: 'Fashion-MNIST (Zalando Research), 60,000 train / 10,000 test',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    md5: {
      'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
      't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
      't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
    },
    folders: ['/usr/share/datasets/fashion-mnist'],
    installHint: 'install it with `apt-get install dataset-fashion-mnist` (Debian), or run `optrobust data fetch fashion-mnist`, or pass --data-dir DIR',
  },
  mnist: {
    description: 'MNIST handwritten digits, 60,000 train / 10,000 test',
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    md5: {
      'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
      't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
      't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
    },
    folders: [],
    installHint: 'run `optrobust data fetch mnist`, or pass --data-dir DIR',
  },
  kmnist: {
    description: 'Kuzushiji-MNIST (ROIS-CODH), 60,000 train / 10,000 test',
    baseUrl: 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/',
    md5: {
      'train-images-idx3-ubyte.gz': 'bdb82020997e1d708af4cf47b453dcf7',
      'train-labels-idx1-ubyte.gz': 'e144d726b3acfaa3e44228e80efcd344',
      't10k-images-idx3-ubyte.gz': '5c965bf0a639b31b8f53240b1b52f4d7',
      't10k-labels-idx1-ubyte.gz': '7320c461ea6c1c855c0b718fb2a4b134',
    },
    folders: [],
    installHint: 'run `optrobust data fetch kmnist`, or pass --data-dir DIR',
  },
};

export function listDatasets(): string[] {
  return Object.keys(DATASETS);
}

export function datasetSource(name: string): DatasetSource {
  const s = DATASETS[name];
  if (!s) throw new Error(`unknown dataset "${name}"; known: ${listDatasets().join(', ')} (or pass --data-dir DIR for any IDX folder)`);
  return s;
}

/** The folder holding `name`: `dataDir` when given, else the first complete known location. */
export function resolveDatasetDir(name: string, dataDir?: string): string {
  if (dataDir !== undefined) {
    if (!existsSync(dataDir)) throw new DataError(dataDir, 'no such folder (from --data-dir)');
    return dataDir;
  }
  const source = datasetSource(name);
  const candidates = [...source.folders, join(cacheDir(), name)];
  const found = candidates.find((dir) => existsSync(dir) && missingFiles(dir).length === 0);
  if (!found) throw new DataError(name, `dataset not found (looked in ${candidates.join(', ')}); ${source.installHint}`);
  return found;
}

export function loadDataset(name: string, dataDir?: string): Dataset {
  return loadIdxFolder(resolveDatasetDir(name, dataDir), name);
}
