// Joins shard run directories into one run: same configuration required, records
// concatenated, result files regenerated (byte-identical to an unsharded run).
import { join } from 'node:path';
import { mkdirSync, existsSync } from 'node:fs';
import { readManifest, writeManifest, type RunManifest } from '../src/experiment/manifest.ts';
import { appendRecord, keyOf, readRecords, recordKey, type AnyCellKey, type CellRecord } from '../src/experiment/store.ts';
import { tuneCells } from '../src/experiment/protocol.ts';
import { gridCells } from '../src/experiment/grid.ts';
import { writeRunOutputs } from '../src/report/write.ts';
import { UsageError } from './load-suite.ts';

export async function mergeRuns(dirs: readonly string[], out: string): Promise<number> {
  const manifests = dirs.map((d) => readManifest(d));
  const first = manifests[0]!;
  const suiteJson = JSON.stringify(first.config.suite);
  manifests.forEach((m, i) => {
    if (JSON.stringify(m.config.suite) !== suiteJson) throw new UsageError(`${dirs[i]}: its suite differs from ${dirs[0]}'s; only shards of one run can be merged`);
  });
  if (existsSync(join(out, 'run.json'))) throw new UsageError(`--out ${out}: already holds a run`);
  const suite = first.config.suite;
  const byKey = new Map<string, CellRecord>();
  for (const d of dirs) for (const r of readRecords(d)) if (r.kind !== 'failure') byKey.set(keyOf(recordKey(r)), r);
  // Every shard runs the whole (deterministic) tuning phase; the grid cells are split among them.
  const needed: AnyCellKey[] = [...(suite.tune ? tuneCells(suite).map((k) => ({ ...k, phase: 'tune' as const })) : []), ...gridCells(suite)];
  const missing = needed.filter((c) => !byKey.has(keyOf(c)));
  if (missing.length) {
    throw new UsageError(`the shards lack ${missing.length} cell(s) (e.g. ${missing[0]!.optimizer}/seed ${missing[0]!.seed}); finish them with --resume, or pass every shard`);
  }
  mkdirSync(out, { recursive: true });
  const records = [...needed.map((c) => byKey.get(keyOf(c))!), ...[...byKey.values()].filter((r) => r.kind === 'matched')];
  for (const r of records) appendRecord(out, r);
  const cellSeconds = Object.assign({}, ...manifests.map((m) => m.timings.cellSeconds)) as Record<string, number>;
  const merged: RunManifest = {
    ...first,
    config: { ...first.config, shard: undefined },
    timings: { ...first.timings, cellSeconds, wallSeconds: Math.max(...manifests.map((m) => m.timings.wallSeconds ?? 0)) },
  };
  writeManifest(out, merged);
  await writeRunOutputs(out, suite, records, merged);
  return records.length;
}
