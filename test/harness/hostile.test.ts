// Hostile input, round 3: each principle through the real command line. A model with
// non-finite logits is flagged, never scored; a path is what its use needs (no devices, FIFOs
// or folders read as files, no special file replaced, no unbounded inflation); ordinary
// mistakes are input errors (exit 2) naming the path, never "internal error"; output folders
// that hold something else are refused before anything is written; options that mean nothing
// are refused; records tell the truth about interrupted runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cli, ROOT } from '../helpers/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { buildModel } from '../../src/core/model/families/registry.ts';
import { buildGraph } from '../../src/core/model/graphs.ts';
import { Network } from '../../src/core/model/network.ts';
import { EXPORT } from '../../src/core/onnx/graph.ts';
import { encodeIdx } from '../../src/core/data/idx.ts';
import { readManifest } from '../../src/run/experiment/manifest.ts';
import { STORE_FILE } from '../../src/run/experiment/store.ts';

const tmp = (p = 'optrobust-hostile-') => mkdtempSync(join(tmpdir(), p));
const SUBSET = join(ROOT, 'data', 'fashion-mnist-subset');
const fifo = (path: string) => execFileSync('mkfifo', [path]);
const noStack = (stderr: string) => expect(stderr).not.toMatch(/internal error|\n\s+at /);

/** An MLP's exported file with one weight replaced by `value`. */
function modelWith(value: number): string {
  const spec = { kind: 'mlp', hidden: [16] } as const;
  const net = new Network(spec, [1, 28, 28], 10);
  const weights = net.initWeights(0);
  weights[0]![5] = value;
  const file = join(tmp(), `weight-${value}.onnx`);
  writeFileSync(file, buildGraph(buildModel(spec, [1, 28, 28], 10), 'predict', 10, EXPORT, weights));
  return file;
}

let run = '';
beforeAll(async () => {
  run = (await smallRun({ seeds: [0] })).dir;
}, 300_000);

describe('finite or flagged', () => {
  for (const [what, value] of [
    ['a NaN weight', Number.NaN],
    ['an infinite weight', Number.POSITIVE_INFINITY],
  ] as const) {
    const weight: number = value;
    it(`${what}: NaN accuracies, a warning, the report's alert and exit 1, never 10%`, async () => {
      const out = join(tmp(), 'run');
      const r = await cli([
        'evaluate',
        '--model',
        modelWith(weight),
        '--dataset',
        'fashion-mnist-subset',
        '--perturbations',
        '{"fgsm": [0.1]}',
        '--out',
        out,
        '--workers',
        '1',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/pretrained\/seed 0: non-finite logits \(clean, fgsm 0\.1\): its accuracies are NaN/);
      expect(r.stdout).toMatch(/pretrained\s+NaN\s+NaN/);
      const rows = readFileSync(join(out, 'results.csv'), 'utf8').split('\n');
      const cell = (p: string, metric: string) =>
        rows
          .find((l) => l.includes(`,${p},`) && l.includes(`,${metric},`))!
          .split(',')
          .at(-1);
      expect(cell('clean', 'accuracy')).toBe('NaN');
      expect(cell('fgsm', 'accuracy')).toBe('NaN');
      expect(cell('clean', 'ece')).toBe('NaN');
      expect(cell('fgsm', 'accuracy_auc_relative')).toBe('NaN');
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<b>not finite<\/b>: pretrained\/seed 0: non-finite logits/);
    });
  }

  it('preprocessing that overflows (--std tiny) is flagged the same way', async () => {
    const r = await cli([
      'evaluate',
      '--model',
      modelWith(0.01),
      '--dataset',
      'fashion-mnist-subset',
      '--std',
      '1e-42',
      '--perturbations',
      '{"fgsm": [0.1]}',
      '--out',
      join(tmp(), 'run'),
      '--workers',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/non-finite logits/);
  });
});

describe('paths are what their use needs', () => {
  it('a model that is a FIFO, a device or a folder is refused before it is read (exit 2)', async () => {
    const dir = tmp();
    const pipe = join(dir, 'model.onnx');
    fifo(pipe);
    for (const [path, kind] of [
      [pipe, 'a FIFO (named pipe)'],
      ['/dev/zero', 'a character device'],
      [dir, 'a folder'],
    ] as const) {
      const r = await cli(['evaluate', '--model', path, '--dataset', 'fashion-mnist-subset', '--out', join(dir, 'out')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${path}: is ${kind}; expected an ONNX model file (a regular file)`);
      noStack(r.stderr);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    }
  });

  it('a suite that is a FIFO is refused, not imported forever', async () => {
    const pipe = join(tmp(), 'suite.ts');
    fifo(pipe);
    const r = await cli(['run', '--suite', pipe]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--suite .*suite\.ts: is a FIFO \(named pipe\); expected a shipped suite's name or a suite file/);
  });

  it('export never replaces a special file or writes under a file', async () => {
    const dir = tmp();
    const pipe = join(dir, 'out.onnx');
    fifo(pipe);
    const r = await cli(['export', run, '--optimizer', 'sgd', '--seed', '0', '--out', pipe]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${pipe}: is a FIFO (named pipe); expected a new file or a regular file to replace`);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const under = await cli(['export', run, '--optimizer', 'sgd', '--seed', '0', '--out', join(file, 'm.onnx')]);
    expect(under.code).toBe(2);
    expect(under.stderr).toContain(`${file} is a regular file, not a folder, so nothing can be written under it`);
    noStack(under.stderr);
  });

  it('a gzipped IDX file that inflates beyond its header is refused before it is inflated', async () => {
    const dir = tmp();
    cpSync(SUBSET, dir, { recursive: true });
    // The header declares 10 images of 28x28; the stream holds 200 MB of zeros after it.
    const header = encodeIdx([10, 28, 28], new Uint8Array(0), false);
    const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(200 * 1024 * 1024)]), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    for (const f of readdirSync(dir).filter((f) => f.startsWith('t10k-images'))) writeFileSync(join(dir, f), bomb);
    const r = await cli(['run', '--suite', 'smoke', '--data-dir', dir, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/t10k-images-idx3-ubyte(\.gz)?: inflates to more than the 7856 bytes its IDX header declares/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a data file that is a folder is named as such (exit 2)', async () => {
    const dir = tmp();
    cpSync(SUBSET, dir, { recursive: true });
    const labels = readdirSync(dir).find((f) => f.startsWith('t10k-labels'))!;
    execFileSync('rm', [join(dir, labels)]);
    mkdirSync(join(dir, labels));
    const r = await cli(['run', '--suite', 'smoke', '--data-dir', dir, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, labels)}: is a folder; expected an IDX file (a regular file)`);
  });
});

describe('ordinary mistakes are input errors naming the path', () => {
  it('--out naming a file, or a path under a file, for every command that writes', async () => {
    const file = join(tmp(), 'file');
    writeFileSync(file, 'x');
    const cases: [string[], RegExp][] = [
      [['run', '--suite', 'smoke', '--out', file], /--out .*file: is a regular file; expected a folder/],
      [['compare', '--baseline', run, '--current', run, '--out', join(file, 'c')], /is a regular file, not a folder, so nothing can be written under it/],
      [['history', run, '--out', join(file, 'h')], /is a regular file, not a folder, so nothing can be written under it/],
      [['merge', run, '--out', file], /--out .*file: is a regular file; expected a folder/],
      [['data', 'fetch', 'mnist', '--dir', file], /--dir .*file: is a regular file; expected a folder/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      noStack(r.stderr);
    }
  });

  it('an unknown dataset and a malformed URL for data fetch', async () => {
    const unknown = await cli(['data', 'fetch', 'imagenet']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown dataset "imagenet"; known: /);
    const url = await cli(['data', 'fetch', 'mnist', '--dir', join(tmp(), 'd'), '--base-url', 'not a url']);
    expect(url.code).toBe(2);
    expect(url.stderr).toMatch(/--base-url "not a url": not a URL/);
    const scheme = await cli(['data', 'fetch', 'mnist', '--dir', join(tmp(), 'd'), '--base-url', 'ftp://example.org/']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/expected http: or https:/);
    for (const r of [unknown, url, scheme]) noStack(r.stderr);
  });
});

describe('folders are absent, empty or their own', () => {
  it('run --out refuses a folder holding a foreign store, and writes nothing there', async () => {
    const dir = tmp();
    writeFileSync(join(dir, STORE_FILE), readFileSync(join(run, STORE_FILE)));
    const r = await cli(['run', '--suite', 'smoke', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${dir}: already holds cells.jsonl, which this command did not write; a run needs a new or empty folder`);
    expect(readdirSync(dir)).toEqual([STORE_FILE]);
  });

  it('merge --out refuses a folder holding another run, and leaves it as it was', async () => {
    const other = (await smallRun({ seeds: [1] })).dir;
    const before = readFileSync(join(other, STORE_FILE));
    const r = await cli(['merge', run, '--out', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds a run; merge into a new or empty folder/);
    expect(readFileSync(join(other, STORE_FILE))).toEqual(before);
    const foreign = tmp();
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const f = await cli(['merge', run, '--out', foreign]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('already holds notes.txt');
  });

  it('compare and history replace their own files but refuse a folder holding anything else', async () => {
    const out = tmp();
    writeFileSync(join(out, 'report.html'), 'someone else');
    const r = await cli(['compare', '--baseline', run, '--current', run, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already holds report.html');
    const own = tmp();
    expect((await cli(['compare', '--baseline', run, '--current', run, '--out', own])).code).toBe(0);
    expect((await cli(['compare', '--baseline', run, '--current', run, '--out', own])).code).toBe(0);
    const h = await cli(['history', run, '--out', out]);
    expect(h.code).toBe(2);
    expect(h.stderr).toContain('already holds report.html');
  });
});

describe('options that mean nothing are refused', () => {
  it("compare's thresholds: an unknown metric, a non-numeric threshold, an unknown field", async () => {
    const dir = tmp();
    const cases: [object, RegExp][] = [
      [{ acuracy: 0.02 }, /unknown metric "acuracy"; known: .*accuracy/],
      [{ accuracy: 'big' }, /"accuracy" = "big"; expected a number >= 0/],
      [{ accuracy: { treshold: 0.1 } }, /"accuracy" has unknown field\(s\) "treshold"/],
      [[1, 2], /expected a JSON object of metric -> threshold/],
    ];
    for (const [body, message] of cases) {
      const file = join(dir, 'thresholds.json');
      writeFileSync(file, JSON.stringify(body));
      const r = await cli(['compare', '--baseline', run, '--current', run, '--thresholds', file, '--out', join(dir, 'c')]);
      expect(r.code, JSON.stringify(body)).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const flag = await cli(['compare', '--baseline', run, '--current', run, '--threshold', 'acuracy=0.1', '--out', join(dir, 'c')]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown metric "acuracy"/);
  });

  it('optimizer options named like object members, and a suite named like one', async () => {
    const dir = tmp();
    for (const key of ['constructor', 'toString', '__proto__']) {
      const file = join(dir, `${key}.mts`);
      writeFileSync(
        file,
        `import { defineSuite } from '${ROOT}/src/index.ts';\nexport default defineSuite({ name: 'x', description: ` +
          `'x', dataset: 'fashion-mnist-subset', model: { kind: 'mlp', hidden: [8] }, batchSize: 64, epochs: 1, ` +
          `optimizers: [{ name: 'sgd', options: JSON.parse('{"lr": 0.1, "${key}": 1}') }], seeds: [0], perturbations: {} ` +
          `});\n`,
      );
      const r = await cli(['run', '--suite', file, '--out', join(dir, `out-${key}`)]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`sgd: unknown option "${key}"`);
      expect(existsSync(join(dir, `out-${key}`))).toBe(false);
    }
    const r = await cli(['run', '--suite', 'constructor']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--suite constructor: not a shipped suite/);
  });

  it('--resume refuses every flag it cannot apply, naming each', async () => {
    const r = await cli(['run', '--resume', run, '--suite', 'smoke', '--out', tmp(), '--no-weights']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume takes the configuration from .*run\.json and writes into .*; drop --suite, --out, --no-weights/);
  });
});

describe('records tell the truth', () => {
  it('an uninterrupted run starts before it finishes; its attempt holds every cell', async () => {
    const out = join(tmp(), 'run');
    expect((await cli(['run', '--suite', 'smoke', '--out', out, '--workers', '1'])).code).toBe(0);
    const t = readManifest(out).timings;
    expect(Date.parse(t.startedAt)).toBeLessThan(Date.parse(t.finishedAt!));
    expect(t.attempts).toHaveLength(1);
    expect(t.attempts![0]!.cells).toBe(2);
    expect(t.wallSeconds).toBe(t.attempts![0]!.wallSeconds);
    expect(statSync(out).isDirectory()).toBe(true);
  });
});
