// Every input this round added, given a bad value through the real command line: a clear
// message naming the flag, field or file and what was expected, exit 2, nothing written, never
// "internal error". (The data loaders' own refusals are in own-data.test.ts.)
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-inputs-'));
const LENET = join(ROOT, 'test', 'fixtures', 'onnx', 'trained-lenet.onnx');
const FOLDER = join(ROOT, 'test', 'fixtures', 'image-folder', 'root');

async function refused(args: string[], message: RegExp, out?: string) {
  const r = await cli(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error/i);
  if (out) expect(existsSync(out)).toBe(false);
}

describe('evaluate: --channels and --size', () => {
  const base = (out: string) => ['evaluate', '--model', LENET, '--dataset', 'image-folder', '--data-dir', FOLDER, '--out', out];
  for (const [flags, message] of [
    [['--channels', '2'], /--channels expects 1 \(grayscale\) or 3 \(RGB\), got "2"/],
    [['--size', '0'], /--size expects a size in pixels .* got "0"/],
    [['--size', '28,28,3'], /--size expects a size in pixels .* got "28,28,3"/],
  ] as const) {
    it(`${flags.join(' ')}`, async () => {
      const out = join(tmp(), 'never');
      await refused([...base(out), ...flags], message, out);
    });
  }
  it('--channels with a dataset that is not an image folder', async () => {
    const out = join(tmp(), 'never');
    await refused(
      ['evaluate', '--model', LENET, '--dataset', 'fashion-mnist-subset', '--channels', '1', '--out', out],
      /--channels and --size apply to --dataset image-folder only/,
      out,
    );
  });
});

describe('evaluate: --test-limit', () => {
  for (const value of ['0', 'x', '1.5', '-3']) {
    it(value, async () => {
      const out = join(tmp(), 'never');
      await refused(
        ['evaluate', '--model', LENET, '--dataset', 'fashion-mnist-subset', '--test-limit', value, '--out', out],
        new RegExp(`--test-limit expects an integer from 1 to 10000000, got "${value.replace('.', '\\.')}"`),
        out,
      );
    });
  }
});

describe('check-optimizer and status', () => {
  const trajectory = join(ROOT, 'test', 'fixtures', 'trajectories', 'adam.json');
  it('a module that does not exist', () =>
    refused(['check-optimizer', '/nonexistent/opt.mts', '--trajectory', trajectory], /check-optimizer \/nonexistent\/opt\.mts: no such file/));
  it('a negative tolerance', () => refused(['check-optimizer', '--trajectory', trajectory, '--rtol', '-1'], /--rtol expects a non-negative number, got "-1"/));
  it('a trajectory that is not there, or not JSON', async () => {
    await refused(['check-optimizer', '--trajectory', '/nonexistent.json'], /--trajectory \/nonexistent\.json: no such file/);
    const file = join(tmp(), 't.json');
    writeFileSync(file, '{"format": ');
    await refused(['check-optimizer', '--trajectory', file], /t\.json: not valid JSON/);
  });
  it('a module whose optimizer definition is wrong', async () => {
    const file = join(tmp(), 'bad.mts');
    writeFileSync(
      file,
      `import { defineOptimizer } from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};\n` +
        `defineOptimizer({ name: 'bad', options: { lr: { default: -1, min: 0 } }, init: () => null, update: () => {} });\n`,
    );
    await refused(['check-optimizer', file, '--trajectory', trajectory], /defineOptimizer "bad": options\.lr = .*a default within its own range/);
  });
  it('status of a folder that is not a run', () => refused(['status', tmp()], /run\.json: not found; is .* an optrobust run directory\?/));
});

describe("a suite's own dataset, field by field", () => {
  const cases: [string, string, RegExp][] = [
    ['format', `{ name: 'mine', format: 'hdf5', path: '.' }`, /dataset\.format = "hdf5"; expected one of image-folder, numpy/],
    ['path', `{ name: 'mine', format: 'numpy', path: '' }`, /dataset\.path = ""; expected the numpy dataset's folder or file/],
    ['name: a path', `{ name: '../x', format: 'numpy', path: '.' }`, /dataset\.name = "\.\.\/x"; expected a label/],
    ['name: a built-in', `{ name: 'mnist', format: 'numpy', path: '.' }`, /dataset\.name = "mnist"; expected a name that is not a built-in dataset's/],
    ['size', `{ name: 'mine', format: 'image-folder', path: '.', size: [32] }`, /dataset\.size = \[32\]; expected a positive integer .* or \[height, width\]/],
    ['testFraction', `{ name: 'mine', format: 'image-folder', path: '.', testFraction: 1 }`, /dataset\.testFraction = 1; expected a fraction in \(0, 1\)/],
    ['layout', `{ name: 'mine', format: 'numpy', path: '.', layout: 'HWC' }`, /dataset\.layout = "HWC"; expected 'NHWC' or 'NCHW'/],
    ['keys', `{ name: 'mine', format: 'numpy', path: '.', keys: { images: 'x' } }`, /dataset\.keys = .*expected an object naming arrays/],
    [
      'an unknown option',
      `{ name: 'mine', format: 'numpy', path: '.', channels: 3 }`,
      /dataset\.channels = 3; expected no such option \(keys, layout, numClasses\)/,
    ],
  ];
  for (const [what, dataset, message] of cases) {
    it(what, async () => {
      const dir = tmp();
      const suite = join(dir, 'suite.mts');
      writeFileSync(
        suite,
        `export default { name: 'bad', description: '', dataset: ${dataset}, model: { kind: 'mlp' }, batchSize: 8, epochs: 1, ` +
          `optimizers: [{ name: 'sgd' }], seeds: [0], perturbations: {} };\n`,
      );
      await refused(['run', '--suite', suite, '--out', join(dir, 'never')], message, join(dir, 'never'));
    });
  }
});

describe('an attack defined for more classes than the data has', () => {
  for (const attack of ['apgd_t', 'autoattack_l2']) {
    it(`${attack} on a folder of 3 classes: refused before the run starts`, async () => {
      const root = tmp();
      const suite = join(root, 'three.mts');
      writeFileSync(
        suite,
        `export default { name: 'three', description: 'three classes', dataset: { name: 'shapes', format: 'image-folder', path: ${JSON.stringify(FOLDER)}, ` +
          `channels: 3, size: 32 }, model: { kind: 'mlp', hidden: [16] }, batchSize: 24, epochs: 1, optimizers: [{ name: 'sgd', options: { lr: 0.05 } }], ` +
          `seeds: [0], perturbations: { fgsm: [0.01], ${attack}: [0.01] } };\n`,
      );
      const out = join(root, 'never');
      await refused(
        ['run', '--suite', suite, '--out', out],
        new RegExp(`perturbations\\.${attack}: ${attack} needs at least 4 classes; the data has 3 \\(shapes\\)`),
        out,
      );
    });
  }
});

describe('run: --checkpoint-every', () => {
  for (const value of ['x', '-1', '1e9', '']) {
    it(JSON.stringify(value), async () => {
      const out = join(tmp(), 'never');
      await refused(
        ['run', '--suite', 'smoke', '--checkpoint-every', value, '--out', out],
        new RegExp(`--checkpoint-every expects seconds from 0 \\(off\\) to 86400, got "${value}"`),
        out,
      );
    });
  }
});
