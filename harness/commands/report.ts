import type { Command } from 'commander';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { acquireLock } from '../../src/run/experiment/lock.ts';
import { missingTasks, taskLabel } from '../../src/run/experiment/run.ts';
import { writeRunOutputs } from '../../src/present/report/write.ts';

export function register(program: Command): void {
  program
    .command('report')
    .description("regenerate a run's result files from its store, without training")
    .argument('<dir>', 'run directory')
    .action(async (dir: string) => {
      const manifest = readManifest(dir);
      const release = acquireLock(dir);
      try {
        const records = new RunStore(dir, manifest.identity).records();
        await writeRunOutputs(dir, manifest.config.suite, records, manifest);
        process.stderr.write(`rewrote the reports in ${dir}\n`);
        const missing = missingTasks(manifest.config.suite, records, manifest.config.shard);
        if (missing.length) {
          process.stderr.write(
            `optrobust: warning: the run is incomplete: ${missing.length} cell(s) have no result (e.g. ` +
              `${taskLabel(manifest.config.suite, missing[0]!)}); the reports show what there is. Finish it with: optrobust ` +
              `run --resume ${dir}\n`,
          );
        }
      } finally {
        release();
      }
    });
}
