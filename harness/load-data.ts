// A suite's data as a command needs it (suiteDataInfo: its identity, loaded when not known), saying what a user would want to know on the way: how
// far the decoding of a large image folder is, and which files were skipped as not images.
import { suiteDataInfo, type DataInfo } from '../src/internals.ts';
import type { UserData } from '../src/index.ts';
import { fancyTerminal } from './progress.ts';

/** A decoding progress line for loads that take a while (a terminal gets one line redrawn). */
export function decodeProgress(dataset: string, stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  const started = Date.now();
  return (done, total) => {
    if (Date.now() - started < 1000 && done < total) return;
    const text = `decoding ${dataset}: ${done}/${total} images`;
    if (fancyTerminal(stream)) stream.write(`\r${text}${done === total ? '\n' : ''}`);
    else if (done === total || done % 10_000 === 0) stream.write(`${text}\n`);
  };
}

/** Says which files of an image folder were skipped as not images. */
export function reportSkipped(dataset: string, data: DataInfo, stream: NodeJS.WriteStream = process.stderr): void {
  if (data.skipped)
    stream.write(
      `${dataset}: skipped ${data.skipped.count} file(s) that are not images, as torchvision's ImageFolder does (${data.skipped.examples.join(', ')}` +
        `${data.skipped.count > data.skipped.examples.length ? ', ...' : ''})\n`,
    );
}

export async function loadDataFor(
  suite: { readonly dataset: string; readonly data?: UserData },
  dataDir?: string,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<DataInfo> {
  const data = await suiteDataInfo(suite, dataDir, decodeProgress(suite.dataset, stream));
  reportSkipped(suite.dataset, data, stream);
  return data;
}
