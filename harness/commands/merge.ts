import type { Command } from 'commander';
import { mergeRuns } from '../merge.ts';

export function register(program: Command): void {
  program
    .command('merge')
    .description('join the run directories of the shards of one run into one run')
    .argument('<dirs...>', 'shard run directories')
    .requiredOption('--out <dir>', 'merged run directory')
    .action(async (dirs: string[], flags: { out: string }) => {
      const n = await mergeRuns(dirs, flags.out);
      process.stderr.write(`merged ${dirs.length} shard(s), ${n} cell(s) -> ${flags.out}\n`);
    });
}
