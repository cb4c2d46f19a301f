// The run API: runSuite runs a suite as `optrobust run` does (the same results.csv and
// summary.csv, byte for byte) and returns what the report shows; `run --json` prints the
// headline scores summary.csv holds; runConfig refuses a suite
// that does not fit its data, and runSuite an occupied folder, before anything is written.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSuite, evaluateModel, InputError, runConfig, runSuite } from '../../src/index.ts';
import smoke from '../../suites/smoke.ts';
import { cli, ROOT } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-api-'));

describe('runSuite', () => {
  it('writes what `optrobust run` writes, byte for byte, and returns the view the report shows', async () => {
    const root = tmp();
    const api = await runSuite(smoke, { out: join(root, 'api'), workers: 2 });
    const command = await cli(['run', '--suite', 'smoke', '--out', join(root, 'cli'), '--workers', '2', '--json']);
    expect(command.code, command.stderr).toBe(0);
    // --json: the headline scores, summary.csv's numbers, in one object on stdout.
    const json = JSON.parse(command.stdout) as {
      format: string;
      complete: boolean;
      scores: { optimizer: string; perturbation: string; metric: string; mean: number }[];
    };
    expect([json.format, json.complete]).toEqual(['optrobust-run/1', true]);
    expect(json.scores.map((r) => `${r.optimizer} ${r.perturbation} ${r.metric}`)).toEqual(
      ['sgd', 'adam'].flatMap((o) => ['clean accuracy', 'gaussian_noise accuracy_auc', 'fgsm accuracy_auc', 'rotation accuracy_auc'].map((m) => `${o} ${m}`)),
    );
    const summary = readFileSync(join(root, 'cli', 'summary.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    for (const r of json.scores) {
      const line = summary.find((c) => c[2] === r.optimizer && c[3] === r.perturbation && c[4] === '0' && c[5] === r.metric);
      expect(Number(line?.[9]), `${r.optimizer} ${r.perturbation}`).toBe(r.mean);
    }
    for (const file of ['results.csv', 'summary.csv', 'steps.csv'])
      expect(readFileSync(join(root, 'api', file), 'utf8'), file).toBe(readFileSync(join(root, 'cli', file), 'utf8'));
    expect(api.failures).toBe(0);
    expect(api.records).toHaveLength(2);
    for (const f of Object.values(api.files)) expect(existsSync(f), f).toBe(true);
    // The view's clean accuracy per optimizer is results.csv's (one seed).
    // Columns after the quoted options field, counted from the end: ..., perturbation, severity, metric, unit, value.
    const rows = readFileSync(api.files.results, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((r) => r.split(','));
    for (const arm of ['sgd', 'adam']) {
      const clean = rows.filter((r) => r[4] === arm && r.at(-5) === 'clean' && r.at(-3) === 'accuracy').map((r) => Number(r.at(-1)));
      expect(clean).toHaveLength(1);
      const row = api.view.summary.find((s) => s.arm.optimizer === arm && s.perturbation === 'clean' && s.metric === 'accuracy');
      expect(row?.stats.mean).toBe(clean[0]);
    }
  }, 300_000);

  it('refuses a suite whose perturbation needs more classes than the data has, and an occupied folder, writing nothing', async () => {
    const root = tmp();
    const folder = join(import.meta.dirname, '..', 'fixtures', 'image-folder', 'root');
    const three = defineSuite({
      ...smoke,
      name: 'three',
      dataset: { name: 'shapes', format: 'image-folder', path: folder, channels: 3, size: 32 },
      trainLimit: undefined,
      testLimit: undefined,
      perturbations: { apgd_t: [0.01] },
    });
    await expect(runConfig(three)).rejects.toThrow(/perturbations\.apgd_t: apgd_t needs at least 4 classes; the data has 3/);
    await expect(runSuite(three, { out: join(root, 'never') })).rejects.toBeInstanceOf(InputError);
    expect(existsSync(join(root, 'never'))).toBe(false);
    const occupied = join(root, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'notes.txt'), 'mine');
    await expect(runSuite(smoke, { out: occupied })).rejects.toThrow(/notes\.txt/);
    expect(readFileSync(join(occupied, 'notes.txt'), 'utf8')).toBe('mine');
  }, 60_000);
});

describe('evaluateModel', () => {
  it('evaluates an ONNX file as `optrobust evaluate` does, byte for byte, with its warnings in the view', async () => {
    const root = tmp();
    const model = join(ROOT, 'test', 'fixtures', 'onnx', 'trained-lenet.onnx');
    const perturbations = { fgsm: [0.03], gaussian_noise: [0.1] };
    const api = await evaluateModel({ model, dataset: 'fashion-mnist-subset', perturbations, testLimit: 300 }, { out: join(root, 'api') });
    const command = await cli([
      'evaluate',
      '--model',
      model,
      '--dataset',
      'fashion-mnist-subset',
      '--perturbations',
      JSON.stringify(perturbations),
      '--test-limit',
      '300',
      '--out',
      join(root, 'cli'),
    ]);
    expect(command.code, command.stderr).toBe(0);
    for (const file of ['results.csv', 'summary.csv', 'classes.csv'])
      expect(readFileSync(join(root, 'api', file), 'utf8'), file).toBe(readFileSync(join(root, 'cli', file), 'utf8'));
    expect(api.failures).toBe(0);
    expect(api.view.arms.map((a) => a.optimizer)).toEqual(['pretrained']);
    // Nothing trained, nothing kept: no weights folder.
    expect(existsSync(join(root, 'api', 'weights'))).toBe(false);
  }, 300_000);
});
