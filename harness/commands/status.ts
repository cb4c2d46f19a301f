// `optrobust status DIR`: where a run stands. Exit 0 when it is complete, 1 when cells remain
// (or failed: --resume retries them), 2 when DIR is not a run; --json for scripts.
import type { Command } from 'commander';
import { runStatus } from '../../src/run/experiment/status.ts';
import { EXIT } from '../flags.ts';

export function register(program: Command): void {
  program
    .command('status')
    .description('where a run stands: cells stored, failed and still to run per phase, attempts, a writer at work; exit 0 when complete')
    .argument('<dir>', 'a run directory')
    .option('--json', 'print the status as one JSON object')
    .action((dir: string, flags: { json?: boolean }) => {
      const s = runStatus(dir);
      const { suite, shard } = s.manifest.config;
      const attempts = s.manifest.timings.attempts ?? [];
      const last = attempts.at(-1);
      const ended = last?.finishedAt ? `, finished ${last.finishedAt}` : ', not finished';
      if (flags.json) {
        const out = {
          dir,
          suite: suite.name,
          shard: shard ?? null,
          complete: s.complete,
          phases: s.phases,
          attempts: attempts.length,
          writer: s.writer ?? null,
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } else {
        const lines = [
          `${dir}: suite "${suite.name}"${shard ? `, shard ${shard.index}/${shard.count}` : ''}`,
          ...s.phases.map((p) => `  ${p.name.padEnd(8)} ${p.stored} stored${p.failed ? `, ${p.failed} failed` : ''}${p.todo ? `, ${p.todo} to run` : ''}`),
          `  attempts ${attempts.length}${last ? ` (the last started ${last.startedAt}${ended})` : ''}`,
          s.writer
            ? `  running: process ${s.writer.pid} on ${s.writer.host} since ${s.writer.since}`
            : s.complete
              ? '  complete'
              : `  incomplete: finish it with optrobust run --resume ${dir}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = s.complete ? EXIT.ok : EXIT.failed;
    });
}
