// A dataset format: which files a folder of it holds and how they become a Dataset. A
// built-in dataset names its format (sources.ts); `--data-dir` folders are read by the
// format of the dataset the suite names; a user's dataset ({ format: 'image-folder' |
// 'numpy', path, ...options }) names one with options. Adding a format is one file here and
// one line in index.ts.
import type { Dataset } from '../dataset.ts';
import type { OptionChecks } from '../../util/option-block.ts';

export interface DatasetSpec {
  /** The dataset's name, as a suite gives it (a label). */
  readonly name: string;
  /** Built-in datasets know their class count; a user's format reads it from the data (or its `numClasses` option). */
  readonly numClasses?: number;
  /** A user format's options (channels, size, keys...), validated by `problem`. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Told how far a long load is (images decoded of all). */
  readonly progress?: (done: number, total: number) => void;
}

export interface DataFormat {
  readonly name: string;
  /** What a folder of this format holds, for messages. */
  readonly layout: string;
  /** The files `dir` lacks ([] when it is complete). */
  missing(dir: string): string[];
  /** Reads and checks every file; problems are DataErrors naming the file. The built-in datasets' formats load synchronously. */
  load(dir: string, spec: DatasetSpec): Dataset | Promise<Dataset>;
  /** A user format: the options a suite may give it (beside `format`, `name`, `path`), each checked up front. */
  readonly options?: OptionChecks;
}

/** A format that loads synchronously (the built-in datasets'). */
export type SyncDataFormat = Omit<DataFormat, 'load'> & { load(dir: string, spec: DatasetSpec): Dataset };
