import { mkdirSync } from 'node:fs';
import { checkOwnFolder } from '../../src/core/util/paths.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../src/core/util/atomic.ts';
import { buildHistory, historyCsv, historyHtml } from '../../src/index.ts';
import { EXIT } from '../flags.ts';

export function register(program: Command): void {
  program
    .command('history')
    .description('follow one suite across runs (nights): headline scores per run, change points, exit 1 when the latest run starts a change for the worse')
    .argument('<dirs...>', 'run directories, or folders holding them')
    .option('--out <dir>', 'where history.csv and history.html go', 'reports/history')
    .option('--allow-mismatch', 'follow runs whose setups differ (epochs, data, hyperparameters); refused otherwise, as compare refuses them')
    .action(async (dirs: string[], flags: { out: string; allowMismatch?: boolean }) => {
      checkOwnFolder(flags.out, '--out', ['history.csv', 'history.html'], 'history writes history.csv and history.html into a folder of their own');
      const h = buildHistory(dirs, { allowMismatch: flags.allowMismatch });
      mkdirSync(flags.out, { recursive: true });
      writeFileAtomic(join(flags.out, 'history.csv'), historyCsv(h));
      writeFileAtomic(join(flags.out, 'history.html'), await historyHtml(h));
      const changes = h.series.reduce((n, s) => n + s.changes.length, 0);
      process.stdout.write(`${h.runs.length} runs, ${h.series.length} series, ${changes} change point(s) -> ${join(flags.out, 'history.html')}\n`);
      for (const s of h.latestRegressions) process.stdout.write(`REGRESSION from the latest run: ${s.arm} · ${s.perturbation} · ${s.metric}\n`);
      if (h.latestRegressions.length) process.exitCode = EXIT.failed;
    });
}
