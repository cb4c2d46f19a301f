// Joins shard run directories into one run: the same run identity required (suite and data),
// records concatenated, result files regenerated (byte-identical to an unsharded run).
import { join } from 'node:path';
import { mkdirSync, existsSync } from 'node:fs';
import { readManifest, writeManifest, type RunManifest } from '../src/run/experiment/manifest.ts';
import { recordId, RunStore, type CellRecord } from '../src/run/experiment/store.ts';
import { acquireLock } from '../src/run/experiment/lock.ts';
import { missingTasks } from '../src/run/experiment/run.ts';
import { GRID, PHASES } from '../src/run/experiment/phases/index.ts';
import { writeRunOutputs } from '../src/present/report/write.ts';
import { UsageError } from '../src/errors.ts';
import { setupDifferences } from '../src/present/compare/run-data.ts';
import { orderRecords } from '../src/run/results/view.ts';
import { taskLabel } from '../src/run/experiment/run.ts';
import { copyWeights } from '../src/run/experiment/weights.ts';
import { checkOwnFolder } from '../src/core/util/paths.ts';

export async function mergeRuns(dirs: readonly string[], out: string): Promise<number> {
  const manifests = dirs.map((d) => readManifest(d));
  const first = manifests[0]!;
  manifests.forEach((m, i) => {
    if (m.identity === first.identity) return;
    const diffs = setupDifferences(first, m);
    throw new UsageError(
      `${dirs[i]} is not a shard of the same run as ${dirs[0]}${diffs.length ? `: ${diffs.join('; ')}` : ''}; only ` +
        `shards of one run (same suite, same data) can be merged`,
    );
  });
  if (existsSync(join(out, 'run.json'))) throw new UsageError(`--out ${out}: already holds a run; merge into a new or empty folder`);
  checkOwnFolder(out, '--out', [], 'merge into a new or empty folder');
  const suite = first.config.suite;
  const byKey = new Map<string, CellRecord>();
  const from = new Map<CellRecord, string>();
  for (const d of dirs) {
    for (const r of new RunStore(d, first.identity).records()) {
      if (r.kind === 'failure') continue;
      byKey.set(recordId(r), r);
      from.set(r, d);
    }
  }
  // Every shard runs the phases shards run all of (tuning) and a slice of the others; what
  // none of them can run (the matched phase) runs after the merge, with --resume.
  const records = [...byKey.values()];
  const shardless = new Set(PHASES.filter((p) => p.sharding === 'none').map((p) => p.name));
  // --seeds auto: a shard sees only its own cells, so it ran the grid at the first look's seeds; the merged run, resumed, goes on
  // (records of later looks are merged too when shards were resumed after a merge).
  const auto = suite.autoSeeds;
  const throughGrid = new Set(PHASES.slice(0, PHASES.indexOf(GRID) + 1).map((p) => p.name));
  const missing = missingTasks(auto ? { ...suite, seeds: suite.seeds.slice(0, auto.min) } : suite, records).filter(
    (t) => !shardless.has(t.phase) && (!auto || throughGrid.has(t.phase)),
  );
  if (missing.length) {
    throw new UsageError(`the shards lack ${missing.length} cell(s) (e.g. ${taskLabel(suite, missing[0]!)}); finish them with --resume, or pass every shard`);
  }
  mkdirSync(out, { recursive: true });
  const release = acquireLock(out);
  try {
    const store = new RunStore(out, first.identity);
    const ordered = orderRecords(suite, records);
    for (const r of ordered) {
      // A cell's weights are copied (and checked against its record) before the record.
      if (r.kind === 'result' && r.weights) copyWeights(from.get(r)!, out, r.weights);
      store.append(r);
    }
    const cellSeconds = Object.assign({}, ...manifests.map((m) => m.timings.cellSeconds)) as Record<string, number>;
    const merged: RunManifest = {
      ...first,
      config: { ...first.config, shard: undefined },
      // The shards' common provenance; each one's shard source stays in its own run.json.
      ...(first.provenance
        ? {
            provenance: {
              ...first.provenance,
              shard:
                `merged from ${manifests.length} shard(s): ` +
                `${manifests.map((m) => m.provenance?.shard ?? (m.config.shard ? `${m.config.shard.index}/${m.config.shard.count}` : 'unsharded')).join('; ')}`,
            },
          }
        : {}),
      timings: { ...first.timings, cellSeconds, wallSeconds: Math.max(...manifests.map((m) => m.timings.wallSeconds ?? 0)) },
    };
    writeManifest(out, merged);
    await writeRunOutputs(out, suite, ordered, merged);
    return ordered.length;
  } finally {
    release();
  }
}
