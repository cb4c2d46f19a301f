// A suite's data as a command needs it (suiteDataInfo: its identity, loaded when not known), saying what a user would want to know on the way: how
// far the decoding of a large image folder is, and which files were skipped as not images.
import { suiteDataInfo, type DataInfo, type UserData } from '../src/index.ts';
import { fancyTerminal } from './progress.ts';

export async function loadDataFor(
  suite: { readonly dataset: string; readonly data?: UserData },
  dataDir?: string,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<DataInfo> {
  const started = Date.now();
  const progress = (done: number, total: number) => {
    // Only loads that take a while are worth a line; a terminal gets one line redrawn.
    if (Date.now() - started < 1000 && done < total) return;

    const text = `decoding ${suite.dataset}: ${done}/${total} images`;
    if (fancyTerminal(stream)) stream.write(`\r${text}${done === total ? '\n' : ''}`);
    else if (done === total || done % 10_000 === 0) stream.write(`${text}\n`);
  };
  const data = await suiteDataInfo(suite, dataDir, progress);
  if (data.skipped)
    stream.write(
      `${suite.dataset}: skipped ${data.skipped.count} file(s) that are not images, as torchvision's ImageFolder does (${data.skipped.examples.join(', ')}` +
        `${data.skipped.count > data.skipped.examples.length ? ', ...' : ''})\n`,
    );
  return data;
}
