// Your own data through the real command line: the same numbers whichever form the data
// comes in (IDX, an image folder of PNGs, a .npz), a PyTorch-trained model scored on an image
// folder as PyTorch scores it, a suite that trains on a folder and names its classes, a
// changed folder refused on --resume, and bad data refused (exit 2, the file named, nothing written).
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { cli, read, ROOT } from '../helpers/cli.ts';
import { loadDataset } from '../../src/core/data/sources.ts';
import { limitSplit } from '../../src/run/experiment/phases/shared.ts';
import { inClassOrder, writeIdxFolder, writeImageFolder, writeNpz } from '../../scripts/export-dataset.ts';
import { parseNpy, writeNpy } from '../../src/core/data/npy.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-own-'));
const ONNX = join(ROOT, 'test', 'fixtures', 'onnx');
const FOLDER = join(ROOT, 'test', 'fixtures', 'image-folder');
const lenet = JSON.parse(readFileSync(join(ONNX, 'reference.json'), 'utf8')).trained_lenet;
const cache = tmp();
const env = { OPTROBUST_CACHE: cache };

/** results.csv without its dataset column (the forms' labels differ, nothing else may). */
const results = (dir: string) =>
  read(dir, 'results.csv')
    .trim()
    .split('\n')
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== 1)
        .join(','),
    );

describe('your own data', () => {
  it('gives the same numbers from IDX files, an image folder of PNGs and a .npz of the same data (clean, noise, FGSM)', async () => {
    const full = loadDataset('fashion-mnist-subset');
    const d = inClassOrder({ ...full, train: limitSplit(full.train, 500), test: limitSplit(full.test, 400) });
    const root = tmp();
    writeIdxFolder(d, join(root, 'idx'));
    writeImageFolder(d, join(root, 'images'));
    writeNpz(d, join(root, 'data.npz'));
    const forms = [
      ['--dataset', 'fashion-mnist-subset', '--data-dir', join(root, 'idx')],
      ['--dataset', 'image-folder', '--data-dir', join(root, 'images')],
      ['--dataset', 'numpy', '--data-dir', join(root, 'data.npz')],
    ];
    const outs: string[][] = [];
    for (const form of forms) {
      const out = join(root, `out-${form[1]}`);
      const r = await cli(
        [
          'evaluate',
          '--model',
          join(ONNX, 'trained-lenet.onnx'),
          '--mean',
          String(lenet.mean),
          '--std',
          String(lenet.std),
          ...form,
          '--perturbations',
          '{"gaussian_noise": [0.1], "fgsm": [0.05]}',
          '--workers',
          '1',
          '--out',
          out,
        ],
        ROOT,
        env,
      );
      expect(r.code, r.stderr).toBe(0);
      outs.push(results(out));
    }
    expect(outs[0]!.length).toBeGreaterThan(10);
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
  }, 300_000);

  it("scores a PyTorch-trained colour model on an image folder as PyTorch does (torchvision's Resize + CenterCrop)", async () => {
    const ref = unzipSync(readFileSync(join(FOLDER, 'reference.npz')));
    const logits = parseNpy(ref['logits_test.npy']!, 'logits').data as Float32Array;
    const labels = Array.from(parseNpy(ref['y_test.npy']!, 'y').data as BigInt64Array, Number);
    const torchCorrect = labels.filter((y, i) => [0, 1, 2].reduce((a, c) => (logits[3 * i + c]! > logits[3 * i + a]! ? c : a), 0) === y).length;
    expect(torchCorrect).toBeGreaterThan(labels.length / 2); // a model that learned something
    expect(torchCorrect).toBeLessThan(labels.length); // and one that errs: an exact match means something
    const out = join(tmp(), 'eval');
    const r = await cli(
      [
        'evaluate',
        '--model',
        join(FOLDER, 'small-cnn.onnx'),
        '--dataset',
        'image-folder',
        '--data-dir',
        join(FOLDER, 'root'),
        '--channels',
        '3',
        '--size',
        '32',
        '--perturbations',
        '{"gaussian_noise": [0.05]}',
        '--workers',
        '1',
        '--out',
        out,
      ],
      ROOT,
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped 4 file\(s\) that are not images, as torchvision's ImageFolder does/);
    const clean = read(out, 'results.csv')
      .split('\n')
      .find((l) => l.includes(',clean,0,accuracy,'))!;
    expect(Number(clean.split(',').at(-1))).toBe(torchCorrect / labels.length);
    expect(read(out, 'classes.csv')).toContain(',cat,');
  }, 300_000);

  it('trains a suite on an image folder, names its classes, and refuses to resume once the folder changed', async () => {
    const root = tmp();
    const data = join(root, 'shapes');
    cpSync(join(FOLDER, 'root'), data, { recursive: true });
    const suite = join(root, 'own.mts');
    writeFileSync(
      suite,
      `export default { name: 'own', description: 'a folder of shapes', dataset: { name: 'shapes', format: 'image-folder', path: ${JSON.stringify(data)}, ` +
        `channels: 3, size: 32 }, model: { kind: 'mlp', hidden: [16] }, batchSize: 24, epochs: 1, optimizers: [{ name: 'sgd', options: { lr: 0.05 } }], ` +
        `seeds: [0], perturbations: { gaussian_noise: [0.1] } };\n`,
    );
    const out = join(root, 'run');
    const r = await cli(['run', '--suite', suite, '--out', out, '--workers', '1'], ROOT, env);
    expect(r.code, r.stderr).toBe(0);
    const manifest = readManifest(out);
    expect(manifest.config.data.classes).toEqual(['cat', 'dog', 'zebra']);
    expect(manifest.config.suite.dataset).toBe('shapes');
    expect(read(out, 'results.csv').split('\n')[1]).toMatch(/^own,shapes,/);
    expect(read(out, 'report.html')).toContain('<section id="classes">');
    // One more image in the folder: a different dataset.
    cpSync(join(data, 'test', 'dog', '000.png'), join(data, 'test', 'dog', '999.png'));
    const again = await cli(['run', '--resume', out], ROOT, env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not the data the run started with/);
  }, 300_000);

  describe('refuses bad data before anything is written (exit 2, the file named)', () => {
    const refuse = async (args: string[], message: RegExp) => {
      const out = join(tmp(), 'never');
      const r = await cli([...args, '--out', out], ROOT, env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error/i);
      expect(existsSync(out)).toBe(false);
    };
    const model = ['evaluate', '--model', join(ONNX, 'trained-lenet.onnx')];
    const npz = (arrays: Record<string, Uint8Array>) => {
      const file = join(tmp(), 'data.npz');
      writeFileSync(file, zipSync(Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${k}.npy`, v]))));
      return file;
    };
    const grey = (n: number) => writeNpy([n, 28, 28], '|u1', new Uint8Array(n * 784).fill(7));
    const ys = (n: number, top = 9) =>
      writeNpy(
        [n],
        '<i8',
        BigInt64Array.from({ length: n }, (_, i) => BigInt(i % (top + 1))),
      );

    it('a truncated PNG in an image folder', async () => {
      const root = tmp();
      cpSync(join(FOLDER, 'root'), root, { recursive: true });
      const file = join(root, 'test', 'dog', '000.png');
      writeFileSync(file, readFileSync(file).subarray(0, 100));
      await refuse(
        ['evaluate', '--model', join(FOLDER, 'small-cnn.onnx'), '--dataset', 'image-folder', '--data-dir', root, '--channels', '3', '--size', '32'],
        /test\/dog\/000\.png: is a damaged or truncated PNG file/,
      );
    });
    // The folder's other ways to be wrong, each through the command line (the loader's tests name them in detail).
    const folderCase = (what: string, edit: (root: string) => void, message: RegExp, options: string[] = ['--channels', '3', '--size', '32']) =>
      it(`an image folder with ${what}`, async () => {
        const root = tmp();
        cpSync(join(FOLDER, 'root'), root, { recursive: true });
        edit(root);
        await refuse(['evaluate', '--model', join(FOLDER, 'small-cnn.onnx'), '--dataset', 'image-folder', '--data-dir', root, ...options], message);
      });
    folderCase(
      'an empty class folder',
      (r) => {
        mkdirSync(join(r, 'train', 'emu'));
        mkdirSync(join(r, 'test', 'emu'));
      },
      /train\/emu: class folder "emu" holds no image files/,
    );
    folderCase(
      'a file that is not an image under an image name',
      (r) => writeFileSync(join(r, 'train', 'cat', '000.png'), 'not a picture'),
      /train\/cat\/000\.png: is not a PNG, JPEG, WebP or BMP file/,
    );
    folderCase(
      'a truncated JPEG',
      (r) => {
        const f = join(r, 'test', 'cat', '006.jpg');
        writeFileSync(f, readFileSync(f).subarray(0, 600));
      },
      /test\/cat\/006\.jpg: is a truncated JPEG file/,
    );
    folderCase('images of different sizes and no --size', () => {}, /: is \d+x\d+ but \d+ image\(s\) differ: .*; set the dataset's size/, ['--channels', '3']);
    folderCase(
      'a symbolic link loop',
      (r) => symlinkSync(join(r, 'train', 'dog'), join(r, 'train', 'dog', 'loop')),
      /train\/dog\/loop: is a symbolic link loop/,
    );
    folderCase(
      'no images at all',
      (r) => {
        rmSync(join(r, 'train'), { recursive: true });
        rmSync(join(r, 'test'), { recursive: true });
        mkdirSync(join(r, 'train'));
        mkdirSync(join(r, 'test'));
      },
      /train: holds no class folders/,
    );
    it('a .npz whose labels and images differ in length', async () => {
      await refuse(
        [...model, '--dataset', 'numpy', '--data-dir', npz({ x_train: grey(20), y_train: ys(19), x_test: grey(10), y_test: ys(10) })],
        /data\.npz\[y_train\]: holds 19 labels but its images are 20/,
      );
    });
    it('a .npz missing an array', async () => {
      await refuse(
        [...model, '--dataset', 'numpy', '--data-dir', npz({ x_train: grey(20), y_train: ys(20), x_test: grey(10) })],
        /data\.npz: has no array "y_test"/,
      );
    });
    it("labels outside the model's classes", async () => {
      await refuse(
        [...model, '--dataset', 'numpy', '--data-dir', npz({ x_train: grey(20), y_train: ys(20, 11), x_test: grey(12), y_test: ys(12, 11) })],
        /the model scores 10 classes, the dataset has 12/,
      );
    });
    it('NaN pixels', async () => {
      const x = new Float32Array(10 * 784).fill(0.5);
      x[300] = Number.NaN;
      await refuse(
        [...model, '--dataset', 'numpy', '--data-dir', npz({ x_train: grey(20), y_train: ys(20), x_test: writeNpy([10, 28, 28], '<f4', x), y_test: ys(10) })],
        /data\.npz\[x_test\]: pixel 300 is NaN/,
      );
    });
    it('a user format without --data-dir, and a bad dataset option in a suite', async () => {
      await refuse([...model, '--dataset', 'image-folder'], /--dataset image-folder reads the folder or file given with --data-dir/);
      const suite = join(tmp(), 'bad.mts');
      writeFileSync(
        suite,
        `export default { name: 'bad', description: '', dataset: { name: 'x', format: 'image-folder', path: '.', channels: 2 }, ` +
          `model: { kind: 'mlp' }, batchSize: 8, epochs: 1, optimizers: [{ name: 'sgd' }], seeds: [0], perturbations: {} };\n`,
      );
      await refuse(['run', '--suite', suite], /suite "bad": dataset\.channels = 2; expected 1 \(grayscale/);
    });
  });
});
