// Loads a run directory for comparison, and lists what differs between two runs' setups.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NUMERICS_BEFORE_2, readManifest, type Environment, type RunManifest } from '../../run/experiment/manifest.ts';
import { RunStore, type CellRecord, STORE_FILE } from '../../run/experiment/store.ts';
import { suiteModels } from '../../run/experiment/grid.ts';
import { runView, type RunView } from '../../run/results/view.ts';
import { InputError } from '../../errors.ts';

export interface RunData {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly records: CellRecord[];
  readonly view: RunView;
}

export class CompareInputError extends InputError {}

export function loadRun(dir: string, role: string): RunData {
  if (!existsSync(dir)) throw new CompareInputError(`--${role} ${dir}: no such directory`);
  let manifest: RunManifest;
  try {
    manifest = readManifest(dir);
  } catch (e) {
    throw new CompareInputError(`--${role}: ${(e as Error).message}`);
  }
  if (!existsSync(join(dir, STORE_FILE))) throw new CompareInputError(`--${role} ${dir}: ${STORE_FILE} is missing; the run has no results`);
  let records: CellRecord[];
  try {
    records = new RunStore(dir, manifest.identity).records();
  } catch (e) {
    throw new CompareInputError(`--${role}: ${(e as Error).message}`);
  }
  return { dir, manifest, records, view: runView(manifest.config.suite, records) };
}

/** Human-readable differences in what was run (suite, data, model, hyperparameters); empty when comparable. */
export function setupDifferences(base: RunManifest, cur: RunManifest): string[] {
  const a = base.config.suite;
  const b = cur.config.suite;
  const diffs: string[] = [];
  const same = (what: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${what}: baseline ${JSON.stringify(x)}, current ${JSON.stringify(y)}`);
  };
  same('suite', a.name, b.name);
  same('dataset', a.dataset, b.dataset);
  same('data fingerprint (the dataset files differ)', base.config.data.fingerprint.slice(0, 16), cur.config.data.fingerprint.slice(0, 16));
  same('train/test limits', [a.trainLimit ?? null, a.testLimit ?? null], [b.trainLimit ?? null, b.testLimit ?? null]);
  same(
    'models',
    suiteModels(a).map((m) => [m.label, m.spec]),
    suiteModels(b).map((m) => [m.label, m.spec]),
  );
  same('batch size', a.batchSize, b.batchSize);
  same('epochs', a.epochs, b.epochs);
  const labels = new Set([...a.optimizers, ...b.optimizers].map((o) => o.label));
  for (const label of labels) {
    const x = a.optimizers.find((o) => o.label === label);
    const y = b.optimizers.find((o) => o.label === label);
    if (!x || !y) diffs.push(`optimizer ${label}: only in the ${x ? 'baseline' : 'current'} run`);
    else
      same(
        `optimizer ${label}`,
        { name: x.name, options: x.options, schedule: x.schedule ?? null },
        { name: y.name, options: y.options, schedule: y.schedule ?? null },
      );
  }
  same('perturbations', a.perturbations, b.perturbations);
  same('tuning', a.tune ?? null, b.tune ?? null);
  return diffs;
}

/**
 * What differs in the software and kernels that computed two runs (optrobust and
 * onnxruntime versions, platform, the NCHWc block of the convolutions, the numerics revision:
 * random generators and update arithmetic). Such runs are
 * comparable but not bit-identical: summation orders differ.
 */
export function engineDifferences(a: Partial<Environment>, b: Partial<Environment>): string[] {
  const diffs: string[] = [];
  const same = (what: string, x: unknown, y: unknown) => {
    if (x !== undefined && y !== undefined && x !== y) diffs.push(`${what}: baseline ${String(x)}, current ${String(y)}`);
  };
  same('optrobust', a.optrobust, b.optrobust);
  same('onnxruntime', a.onnxruntime, b.onnxruntime);
  same('platform', a.platform, b.platform);
  same('NCHWc block of the convolutions (16: AVX-512, 8: AVX2, 0: standard Conv)', a.nchwcBlock, b.nchwcBlock);
  // A run without the field predates revision 2 (when optrobust, too, is known).
  const numerics = (e: Partial<Environment>) => e.numerics ?? (e.optrobust !== undefined ? NUMERICS_BEFORE_2 : undefined);
  same('numerics (random generators, update arithmetic, measurement methods)', numerics(a), numerics(b));
  return diffs;
}
