// A run made of synthetic records: any number of optimizers, perturbations and seeds,
// with plausible, deterministic numbers, for testing how reports lay out at nightly size
// without training 12 x 13 x seeds cells. The numbers are made up; the layout is real.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite, type SuiteDefinition } from '../../src/run/experiment/suite.ts';
import { gridCells } from '../../src/run/experiment/grid.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { MANIFEST_FORMAT, runIdentity, writeManifest, type RunManifest } from '../../src/run/experiment/manifest.ts';
import { writeRunOutputs } from '../../src/present/report/write.ts';
import { summarize } from '../../src/measure/metrics/summary.ts';
import { createRng } from '../../src/core/util/rng.ts';
import type { CellResult } from '../../src/run/experiment/phases/main.ts';
import { CLEAN, getPerturbation } from '../../src/measure/perturb/registry.ts';

export async function syntheticRun(def: SuiteDefinition, dir = mkdtempSync(join(tmpdir(), 'optrobust-synthetic-'))): Promise<string> {
  const suite = defineSuite(def);
  const config = { suite, data: { fingerprint: 'synthetic' } };
  const identity = runIdentity(config);
  const store = new RunStore(dir, identity);
  const depth = 5;
  suite.optimizers.forEach((o, oi) => {
    for (const key of gridCells(suite).filter((k) => k.optimizer === o.label)) {
      const rng = createRng(key.seed, `synthetic:${o.label}`);
      const clean = 0.7 + 0.02 * (oi % 5) + 0.01 * rng();
      const robustness = 0.3 + (0.5 * ((oi * 7) % 12)) / 12;
      const evalPoints = [
        { perturbation: CLEAN, severity: 0, accuracy: clean, loss: 0.8 },
        ...Object.entries(suite.perturbations).flatMap(([p, sev], pi) => {
          const max = Math.max(...sev.map(Math.abs));
          const stages = getPerturbation(p).stages;
          return sev.map((s) => {
            const accuracy = Math.max(0.05, clean * (1 - (Math.abs(s) / max) * (1 - robustness) * (0.5 + 0.05 * pi)) + 0.01 * (rng() - 0.5));
            // An ensemble's running accuracy: a point lost per attack down to the last.
            const running = stages?.map((_, k) => accuracy + 0.01 * (stages.length - 1 - k));
            return { perturbation: p, severity: s, accuracy, loss: 1 + Math.abs(s) / max, ...(running ? { stages: running } : {}) };
          });
        }),
      ];
      const steps = Array.from({ length: 40 }, (_, i) => ({
        epoch: 1 + Math.floor(i / 10),
        step: i + 1,
        lr: 0.01,
        loss: 2.3 * Math.exp(-i / (15 + oi)) + 0.2 * rng(),
        gradNorm: 1 + rng(),
        tensorGradNorms: Array.from({ length: 2 * depth }, (_, t) => 10 ** (-(depth - Math.floor(t / 2)) * (0.2 + 0.05 * oi) + 0.1 * rng())),
        updateNorm: 0.01,
        tensorUpdateNorms: Array.from({ length: 2 * depth }, () => 0.001),
        tensorParamNorms: Array.from({ length: 2 * depth }, () => 1),
      }));
      const result: CellResult = {
        optimizerName: o.name,
        lr: o.options.lr as number,
        diverged: null,
        train: { steps: 40, finalLoss: 0.3, gradNorm: summarize(steps.map((s) => s.gradNorm)), updateNorm: summarize(steps.map((s) => s.updateNorm)) },
        eval: evalPoints,
        inputGradients: { l2: summarize([0.1, 0.2, 0.3]), l1: summarize([1, 2, 3]) },
        steps,
        tensors: Array.from({ length: depth }, (_, d) =>
          [`dense${d + 1}.weight`, `dense${d + 1}.bias`].map((name) => ({ name, layer: `dense${d + 1}`, depth: d + 1, op: 'dense' })),
        ).flat(),
      };
      store.append({ kind: 'result', phase: 'main', key, result, seconds: 1 });
    }
  });
  const manifest: RunManifest = {
    format: MANIFEST_FORMAT,
    identity,
    config,
    environment: { optrobust: '0', node: process.version, onnxruntime: '0', platform: 'synthetic', cpu: 'synthetic', cores: 1, nchwcBlock: 0 },
    timings: { startedAt: '2026-01-01T00:00:00Z', workers: 1, threadsPerWorker: 1, cellSeconds: {} },
  };
  writeManifest(dir, manifest);
  await writeRunOutputs(dir, suite, store.records(), manifest);
  return dir;
}
