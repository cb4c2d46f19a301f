import { checkOutputFolder } from '../../src/core/util/paths.ts';
import type { Command } from 'commander';
import { fetchDataset, FetchInterrupted, listDatasets } from '../../src/index.ts';
import { datasetSource } from '../../src/core/data/sources.ts';
import { EXIT, checkUrl } from '../flags.ts';

export function register(program: Command): void {
  const data = program.command('data').description('datasets');
  data
    .command('fetch')
    .description(
      `download a dataset (${listDatasets()
        .filter((n) => datasetSource(n).download)
        .join(', ')}) into the cache, verifying checksums`,
    )
    .argument('<name>', 'dataset name')
    .option('--dir <dir>', 'destination folder (default: ~/.cache/optrobust/<name>)')
    .option('--base-url <url>', 'download from a mirror')
    .action(async (name: string, flags: { dir?: string; baseUrl?: string }) => {
      if (flags.dir !== undefined) checkOutputFolder(flags.dir, '--dir');
      datasetSource(name);
      if (flags.baseUrl !== undefined) checkUrl(flags.baseUrl, '--base-url');
      // ^C or a batch engine's SIGTERM: the fetch removes what it started, then the command exits 130.
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      for (const s of signals) process.on(s, onSignal);
      try {
        const dir = await fetchDataset(name, {
          dir: flags.dir,
          baseUrl: flags.baseUrl,
          signal: stop.signal,
          onFile: (file, status) => process.stderr.write(`${file}: ${status}\n`),
        });
        process.stderr.write(`${name} is in ${dir}\n`);
      } catch (e) {
        if (!(e instanceof FetchInterrupted)) throw e;
        process.stderr.write(`optrobust: data fetch ${name} ${e.message}; run it again to fetch the dataset\n`);
        process.exitCode = EXIT.interrupted;
      } finally {
        for (const s of signals) process.off(s, onSignal);
      }
    });
}
