// A real, tiny run made in-process (two optimizers x two seeds, a few hundred images),
// for the report and comparison tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite, type SuiteDefinition } from '../../src/run/experiment/suite.ts';
import { RunStore, type CellRecord } from '../../src/run/experiment/store.ts';
import { inProcess, runPhases } from '../../src/run/experiment/run.ts';
import { environment, MANIFEST_FORMAT, runIdentity, writeManifest, type RunManifest } from '../../src/run/experiment/manifest.ts';
import { writeRunOutputs } from '../../src/present/report/write.ts';
import { loadDataset } from '../../src/core/data/sources.ts';

export const SMALL: SuiteDefinition = {
  name: 'small',
  description: 'two optimizers, two seeds',
  dataset: 'fashion-mnist-subset',
  trainLimit: 600,
  testLimit: 200,
  model: { kind: 'mlp', hidden: [16] },
  batchSize: 50,
  epochs: 2,
  optimizers: [
    { name: 'sgd', options: { lr: 0.1 } },
    { name: 'adam', options: { lr: 3e-3 } },
  ],
  seeds: [0, 1],
  perturbations: { gaussian_noise: [0.1, 0.3], fgsm: [0.05], rotation: [30] },
};

export async function smallRun(
  overrides: Partial<SuiteDefinition> = {},
  dir = mkdtempSync(join(tmpdir(), 'optrobust-small-')),
): Promise<{ dir: string; records: CellRecord[]; manifest: RunManifest }> {
  const suite = defineSuite({ ...SMALL, ...overrides });
  const dataset = loadDataset(suite.dataset);
  const config = { suite, data: { fingerprint: dataset.fingerprint } };
  const identity = runIdentity(config);
  const store = new RunStore(dir, identity);
  await runPhases({ suite, store, execute: inProcess({ suite, dataset }) });
  const manifest: RunManifest = {
    format: MANIFEST_FORMAT,
    identity,
    config,
    environment: await environment(),
    timings: { startedAt: '2026-01-01T00:00:00Z', workers: 1, threadsPerWorker: 1, cellSeconds: {} },
  };
  writeManifest(dir, manifest);
  const records = store.records();
  await writeRunOutputs(dir, suite, records, manifest);
  return { dir, records, manifest };
}
