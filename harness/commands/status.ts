// `optrobust status DIR`: where a run stands, or each shard of a folder of them (`run --shard
// auto --out DIR` writes DIR/shard-K). Exit 0 when everything is complete, 1 when cells remain
// (or failed: --resume retries them), 2 when DIR is neither; --json for scripts and dashboards.
import type { Command } from 'commander';
import { runStatus, type RunStatus } from '../../src/run/experiment/status.ts';
import { seededSuite } from '../../src/run/results/auto-seeds.ts';
import { findRuns } from '../../src/index.ts';
import { EXIT } from '../flags.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../../src/run/experiment/manifest.ts';

function foundRuns(dir: string): string[] {
  try {
    return findRuns([dir]);
  } catch {
    return [dir];
  }
}

const duration = (s: number) => (s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

function json(dir: string, s: RunStatus) {
  const { suite, shard } = s.manifest.config;
  return {
    dir,
    suite: suite.name,
    shard: shard ?? null,
    complete: s.complete,
    phases: s.phases,
    checkpointed: s.checkpointed,
    etaSeconds: s.etaSeconds,
    attempts: (s.manifest.timings.attempts ?? []).length,
    writer: s.writer ?? null,
  };
}

function lines(dir: string, s: RunStatus): string[] {
  const { suite, shard } = s.manifest.config;
  const attempts = s.manifest.timings.attempts ?? [];
  const last = attempts.at(-1);
  const ended = last?.finishedAt ? `, finished ${last.finishedAt}` : ', not finished';
  return [
    `${dir}: suite "${suite.name}"${shard ? `, shard ${shard.index}/${shard.count}` : ''}`,
    ...s.phases.map((p) => `  ${p.name.padEnd(8)} ${p.stored} stored${p.failed ? `, ${p.failed} failed` : ''}${p.todo ? `, ${p.todo} to run` : ''}`),
    ...s.checkpointed.map((c) => {
      const where = c.trained ? 'trained, evaluating' : `step ${c.step}${c.total ? ` of ${c.total}` : ''}`;
      return `  ${s.writer ? 'running ' : 'stopped '} ${c.cell}: ${where} (checkpoint ${c.savedAt})`;
    }),
    `  attempts ${attempts.length}${last ? ` (the last started ${last.startedAt}${ended})` : ''}`,
    ...(s.complete
      ? []
      : [`  time left ${s.etaSeconds === null ? 'unknown until a cell of each remaining phase is stored' : `about ${duration(s.etaSeconds)}`}`]),
    s.writer
      ? `  running: process ${s.writer.pid} on ${s.writer.host} since ${s.writer.since}`
      : s.complete
        ? '  complete'
        : `  incomplete: finish it with optrobust run --resume ${dir}`,
  ];
}

export function register(program: Command): void {
  program
    .command('status')
    .description(
      'where a run (or each shard in a folder of them) stands: cells stored, checkpointed, failed and still to run, the time left; exit 0 when complete',
    )
    .argument('<dir>', 'a run directory, or a folder of shard runs')
    .option('--json', 'print the status as one JSON object (a folder of shards: { shards: [...] })')
    .action((dir: string, flags: { json?: boolean }) => {
      // Not a run and no runs inside: runStatus says what is missing.
      const dirs = existsSync(join(dir, MANIFEST_FILE)) ? [dir] : foundRuns(dir);
      const single = dirs.length === 1 && dirs[0] === dir;
      const statuses = dirs.map((d) => ({ dir: d, status: runStatus(d, seededSuite) }));
      const complete = statuses.every((s) => s.status.complete);
      if (flags.json) {
        const each = statuses.map((s) => json(s.dir, s.status));
        const eta = statuses.map((s) => s.status.etaSeconds);
        process.stdout.write(
          `${JSON.stringify(single ? each[0] : { dir, complete, shards: each, etaSeconds: eta.includes(null) ? null : Math.max(0, ...(eta as number[])) })}\n`,
        );
      } else {
        const out = statuses.flatMap((s) => lines(s.dir, s.status));
        if (!single) {
          const done = statuses.filter((s) => s.status.complete).length;
          out.push(`${dir}: ${statuses.length} shard(s), ${done} complete${complete ? `; merge them with optrobust merge ${dir} --out MERGED` : ''}`);
        }
        process.stdout.write(`${out.join('\n')}\n`);
      }
      process.exitCode = complete ? EXIT.ok : EXIT.failed;
    });
}
