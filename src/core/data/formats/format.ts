// A dataset format: which files a folder of it holds and how they become a Dataset. A
// dataset names its format (sources.ts); `--data-dir` folders are read by the format of the
// dataset the suite names. Adding a format is one file here and one line in index.ts.
import type { Dataset } from '../dataset.ts';

export interface DatasetSpec {
  /** The dataset's name, as a suite gives it. */
  readonly name: string;
  readonly numClasses: number;
}

export interface DataFormat {
  readonly name: string;
  /** What a folder of this format holds, for messages. */
  readonly layout: string;
  /** The files `dir` lacks ([] when it is complete). */
  missing(dir: string): string[];
  /** Reads and checks every file; problems are DataErrors naming the file. */
  load(dir: string, spec: DatasetSpec): Dataset;
}
