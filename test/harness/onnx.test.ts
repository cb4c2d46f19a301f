// Bring your own model, through the real command line: `evaluate` a PyTorch-trained ONNX
// classifier as PyTorch evaluates it, train an imported model in a suite, `export` a trained
// cell and run it with nothing but onnxruntime, and refuse files that cannot be imported.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { cli, read, ROOT } from '../helpers/cli.ts';
import { RESULT_FILES } from '../../src/present/report/write.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { RunStore } from '../../src/run/experiment/store.ts';
import { readWeights } from '../../src/run/experiment/weights.ts';
import { Network } from '../../src/core/model/network.ts';
import { buildModel, type ModelSpec } from '../../src/core/model/families/registry.ts';
import { buildGraph } from '../../src/core/model/graphs.ts';
import { EXPORT } from '../../src/core/onnx/graph.ts';
import { importOnnx } from '../../src/core/model/import/import.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { expectEvery } from '../helpers/expect-every.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-onnx-'));
const FIXTURES = join(ROOT, 'test', 'fixtures', 'onnx');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));
const ds = loadDataset('fashion-mnist-subset');

/** results.csv rows as objects. */
function rows(dir: string): Record<string, string>[] {
  const [head, ...lines] = read(dir, 'results.csv').trim().split('\n');
  const cols = head!.split(',');
  // The options column is quoted JSON with commas; it is not read here, so split around it.
  return lines.map((line) => {
    const cells = line.replace(/"(?:[^"]|"")*"/g, 'OPTIONS').split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]!]));
  });
}

describe('optrobust evaluate', () => {
  it('scores a PyTorch-trained model as PyTorch does: clean accuracy exactly, FGSM within 0.2 points', async () => {
    const out = join(tmp(), 'eval');
    const r = await cli([
      'evaluate',
      '--model',
      join(FIXTURES, 'trained-lenet.onnx'),
      '--dataset',
      'fashion-mnist-subset',
      '--mean',
      String(ref.trained_lenet.mean),
      '--std',
      String(ref.trained_lenet.std),
      '--perturbations',
      `{"fgsm": [${ref.trained_lenet.fgsm_eps}]}`,
      '--out',
      out,
    ]);
    expect(r.stderr).toContain('[1/1] pretrained/seed 0');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/near chance/);
    // No training, so no training files: the results, the summary and the report.
    for (const f of RESULT_FILES) expect(existsSync(join(out, f)), f).toBe(f === 'results.csv' || f === 'summary.csv');
    expect(read(out, 'report.html')).not.toMatch(/reference optimizer|steps\.csv|layers\.csv/);
    expect(read(out, 'report.html')).toContain('none: the model as it is');
    const results = rows(out);
    const acc = (p: string) => Number(results.find((x) => x.perturbation === p && x.metric === 'accuracy')!.value);
    // 2,000 test images: PyTorch's fraction is a multiple of 1/2000, and so is ours.
    expect(Math.round(acc('clean') * 2000)).toBe(Math.round(ref.trained_lenet.clean_accuracy * 2000));
    expect(Math.abs(acc('fgsm') - ref.trained_lenet.fgsm_accuracy)).toBeLessThanOrEqual(0.002);
    expect(new Set(results.map((x) => x.model))).toEqual(new Set(['trained-lenet.onnx']));
    // Nothing was trained: the only training row says so.
    expect(results.filter((x) => x.perturbation === 'train').map((x) => `${x.metric}=${x.value}`)).toEqual(['steps=0']);
    expect(read(out, 'report.html')).toContain('trained-lenet.onnx');
  });

  const lenet = readFileSync(join(FIXTURES, 'lenet.onnx'));
  const edited = (edit: (m: onnxProto.onnx.ModelProto) => void) => {
    const m = onnxProto.onnx.ModelProto.decode(lenet);
    edit(m);
    return onnxProto.onnx.ModelProto.encode(m).finish();
  };
  // A model for colour 32x32 images, which the grayscale dataset cannot feed.
  const colour = buildGraph(buildModel({ kind: 'cnn' }, [3, 32, 32], 10), 'predict', 10, EXPORT, new Network({ kind: 'cnn' }, [3, 32, 32], 10).initWeights(0));
  const bad: [string, Uint8Array, RegExp][] = [
    ['not ONNX', new TextEncoder().encode('{"weights": "somewhere else"}'), /bad\.onnx: not an ONNX model/],
    ['truncated', lenet.subarray(0, 180_000), /bad\.onnx: not an ONNX model/],
    [
      'an input without image axes',
      edited((m) => m.graph!.input![0]!.type!.tensorType!.shape!.dim!.splice(1)),
      /bad\.onnx: input "x" has rank 1; expected a batch axis and the image axes/,
    ],
    ['no initializers', edited((m) => m.graph!.initializer!.splice(0)), /bad\.onnx: has no initializers/],
    [
      'an unsupported op',
      edited((m) => (m.graph!.node!.find((n) => n.opType === 'MaxPool')!.opType = 'LpPool')),
      /1 node\(s\) cannot be imported: LpPool "\/MaxPool"\. Supported: Gemm/,
    ],
    ['a model for other images', colour, /bad\.onnx: the model takes inputs of shape \[3, 32, 32\], the dataset has \[1, 28, 28\]/],
  ];
  for (const [what, bytes, message] of bad) {
    it(`refuses ${what}: exit 2, nothing written`, async () => {
      const base = tmp();
      const file = join(base, 'bad.onnx');
      writeFileSync(file, bytes);
      const out = join(base, 'out');
      const r = await cli(['evaluate', '--model', file, '--dataset', 'fashion-mnist-subset', '--out', out]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(existsSync(out)).toBe(false);
    });
  }
  it('refuses a missing file and bad preprocessing flags', async () => {
    expect((await cli(['evaluate', '--model', '/nonexistent/model.onnx'])).stderr).toMatch(
      /\/nonexistent\/model\.onnx: no such file; expected an ONNX model file/,
    );
    const r = await cli(['evaluate', '--model', join(FIXTURES, 'lenet.onnx'), '--dataset', 'fashion-mnist-subset', '--std', '0.3,0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--std expects positive numbers separated by commas/);
  });

  it('warns, on the terminal and in the report, when a model scores near chance (here: a Fashion-MNIST model on MNIST digits)', async () => {
    const out = join(tmp(), 'digits');
    const args = ['--mean', String(ref.trained_lenet.mean), '--std', String(ref.trained_lenet.std), '--perturbations', '{}', '--workers', '1', '--out', out];
    const r = await cli(['evaluate', '--model', join(FIXTURES, 'trained-lenet.onnx'), '--dataset', 'mnist-subset', ...args]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /warning: pretrained: clean accuracy \d+\.\d% is near chance \(10\.0% for 10 classes\): is the model scored on the data it was trained for/,
    );
    expect(read(out, 'report.html')).toMatch(/<li><b>near chance<\/b>: pretrained: clean accuracy \d+\.\d% is near chance/);
  });

  it('needs --dataset (or a suite): a model is never scored on data it was not trained for by default', async () => {
    const out = join(tmp(), 'never');
    const r = await cli(['evaluate', '--model', join(FIXTURES, 'trained-lenet.onnx'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/evaluate needs the test data the model was trained for: --dataset NAME \(fashion-mnist-subset, /);
    expect(existsSync(out)).toBe(false);
  });
});

describe('an imported model in a suite, then exported', () => {
  const base = tmp();
  const run = join(base, 'run');
  const suite = 'test/harness/fixtures/onnx-suite.ts';

  it("trains every optimizer from the file's weights and keeps each cell's final weights", async () => {
    const r = await cli(['run', '--suite', suite, '--out', run]);
    expect(r.code).toBe(0);
    // Step 1 sees the same weights and the same batch under both optimizers: the same loss.
    const first = read(run, 'steps.csv')
      .split('\n')
      .slice(1)
      .filter((l) => l.split(',')[5] === '1')
      .map((l) => l.split(',')[7]);
    expect(first).toHaveLength(2);
    expect(first[0]).toBe(first[1]);
    const manifest = readManifest(run);
    const records = new RunStore(run, manifest.identity).records();
    expectEvery(records, (x) => x.kind === 'result' && x.weights !== undefined);
    const files = readdirSync(join(run, 'weights'));
    expect(files).toHaveLength(2);
    // LeNet-5: 61,706 parameters, 4 bytes each.
    for (const f of files) expect(readFileSync(join(run, 'weights', f)).length).toBe(61_706 * 4);
  });

  it('exports a cell that onnxruntime runs with no optrobust code, and that imports back to identical logits', async () => {
    const file = join(base, 'adam.onnx');
    const r = await cli(['export', run, '--optimizer', 'adam', '--seed', '0', '--out', file]);
    expect(r.stderr).toMatch(/wrote .*adam\.onnx .*input "x" \[N, 1, 28, 28\]/);
    expect(r.code).toBe(0);
    // The trained weights, run by optrobust.
    const manifest = readManifest(run);
    const record = new RunStore(run, manifest.identity).records().find((x) => x.key.optimizer === 'adam')!;
    const weights = readWeights(run, (record as { weights: Parameters<typeof readWeights>[1] }).weights);
    const net = new Network(manifest.config.suite.model as ModelSpec, [1, 28, 28], 10);
    const x = ds.test.images.slice(0, 8 * 784);
    const ours = await net.predict(weights, x, 8);
    await net.release();
    // A fresh process with onnxruntime alone.
    const input = join(base, 'x.f32');
    writeFileSync(input, x);
    const script = `const ort = require('onnxruntime-node'); const fs = require('node:fs');
      (async () => {
        const b = fs.readFileSync(process.argv[2]);
        const x = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
        const s = await ort.InferenceSession.create(process.argv[1]);
        const o = await s.run({ x: new ort.Tensor('float32', x, [8, 1, 28, 28]) });
        process.stdout.write(JSON.stringify(Array.from(o.logits.data)));
      })();`;
    const p = spawnSync(process.execPath, ['-e', script, file, input], { cwd: ROOT, encoding: 'utf8' });
    expect(p.status, `${p.error ?? ''} ${p.stderr}`).toBe(0);
    const theirs = JSON.parse(p.stdout) as number[];
    expect(theirs).toHaveLength(80);
    expect(Math.max(...theirs.map((v, i) => Math.abs(v - ours[i]!)))).toBeLessThan(1e-5);
    // Imported back: the same layers and weights, so the very same numbers; its metadata says it takes [0, 1] pixels as they are.
    const back = importOnnx(readFileSync(file), file);
    expect(back.metadata).toEqual({ 'optrobust.preprocess': '{}' });
    const again = new Network(manifest.config.suite.model as ModelSpec, [1, 28, 28], 10, {}, { ...back.model, initial: back.weights });
    expect(Array.from(await again.predict(again.initWeights(0), x, 8))).toEqual(Array.from(ours));
    await again.release();
  });

  it('names what is missing when a cell cannot be exported', async () => {
    expect((await cli(['export', run, '--optimizer', 'lion', '--seed', '0'])).stderr).toMatch(/--optimizer lion: not in the run .* \(it has sgd, adam\)/);
    expect((await cli(['export', run, '--optimizer', 'adam', '--seed', '7'])).stderr).toMatch(/--seed 7: not a seed of the run/);
    const bare = join(base, 'bare');
    expect((await cli(['run', '--suite', suite, '--out', bare, '--no-weights', '--optimizers', 'sgd'])).code).toBe(0);
    expect(existsSync(join(bare, 'weights'))).toBe(false);
    const r = await cli(['export', bare, '--optimizer', 'sgd', '--seed', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sgd seed 0 has no stored weights \(the run was made with --no-weights\)/);
  });
});
