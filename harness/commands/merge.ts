import type { Command } from 'commander';
import { findRuns } from '../../src/index.ts';
import { mergeRuns } from '../merge.ts';

export function register(program: Command): void {
  program
    .command('merge')
    .description('join the run directories of the shards of one run into one run')
    .argument('<dirs...>', 'shard run directories, or the folder holding them (`run --shard auto --out DIR` writes DIR/shard-K)')
    .requiredOption('--out <dir>', 'merged run directory')
    .action(async (paths: string[], flags: { out: string }) => {
      const dirs = findRuns(paths);
      const n = await mergeRuns(dirs, flags.out);
      process.stderr.write(`merged ${dirs.length} shard(s), ${n} cell(s) -> ${flags.out}\n`);
    });
}
