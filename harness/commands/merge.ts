import { existsSync } from 'node:fs';
import { checkOwnFolder } from '../../src/core/util/paths.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/errors.ts';
import { mergeRuns } from '../merge.ts';

export function register(program: Command): void {
  program
    .command('merge')
    .description('join the run directories of the shards of one run into one run')
    .argument('<dirs...>', 'shard run directories')
    .requiredOption('--out <dir>', 'merged run directory')
    .action(async (dirs: string[], flags: { out: string }) => {
      if (existsSync(join(flags.out, 'run.json'))) throw new UsageError(`--out ${flags.out}: already holds a run; merge into a new or empty folder`);
      checkOwnFolder(flags.out, '--out', [], 'merge into a new or empty folder');
      const n = await mergeRuns(dirs, flags.out);
      process.stderr.write(`merged ${dirs.length} shard(s), ${n} cell(s) -> ${flags.out}\n`);
    });
}
