// The error boundary as a property: the real command line (main(), in this process), driven
// with generated argument vectors over generated hostile paths (missing, files, folders,
// FIFOs, devices, paths under files, foreign and damaged run folders, truncated models,
// garbage JSON) and hostile values (prototype names, non-numbers, huge numbers), never ends
// in "internal error" or a stack trace: every outcome is an exit code with a message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../harness/cli.ts';
import { smallRun } from '../helpers/small-run.ts';
import { ROOT } from '../helpers/cli.ts';

const base = mkdtempSync(join(tmpdir(), 'optrobust-cli-prop-'));
const p = (name: string) => join(base, name);
let paths: string[] = [];

const cwd = process.cwd();
beforeAll(async () => {
  // Relative paths the generator makes (and default output folders) land here, not in the checkout.
  process.chdir(base);
  mkdirSync(p('run'));
  const run = (await smallRun({ seeds: [0] }, p('run'))).dir;
  writeFileSync(p('file.txt'), 'not what anything expects\n');
  writeFileSync(p('garbage.json'), '{"accuracy": ');
  writeFileSync(p('array.json'), '[1, 2, 3]');
  writeFileSync(p('proto.json'), '{"__proto__": {"threshold": 1}, "constructor": 2}');
  writeFileSync(p('truncated.onnx'), readFileSync(join(ROOT, 'test', 'fixtures', 'onnx', 'lenet.onnx')).subarray(0, 999));
  writeFileSync(p('suite.ts'), "export default { name: 'x' };\n");
  execFileSync('mkfifo', [p('fifo')]);
  mkdirSync(p('empty'));
  mkdirSync(p('foreign'));
  writeFileSync(p('foreign/cells.jsonl'), '{"run":"other","kind":"result"}\n');
  mkdirSync(p('damaged'));
  writeFileSync(p('damaged/run.json'), '{"format": 2, "config":');
  paths = [
    run,
    p('file.txt'),
    p('garbage.json'),
    p('array.json'),
    p('proto.json'),
    p('truncated.onnx'),
    p('suite.ts'),
    p('fifo'),
    p('empty'),
    p('foreign'),
    p('damaged'),
    p('nonexistent'),
    p('file.txt/under'),
    '/dev/null',
    '/dev/zero',
    '/proc/self/mem',
    '',
    '.',
    '/',
  ];
}, 300_000);

afterAll(() => {
  process.chdir(cwd);
  process.exitCode = undefined;
});

/** Runs main() with its output captured. */
async function invoke(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const capture = (s: string | Uint8Array) => ((out += typeof s === 'string' ? s : Buffer.from(s).toString()), true);
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    return { code: await main(argv), out };
  } finally {
    [process.stdout.write, process.stderr.write] = [o, e];
    process.exitCode = undefined;
  }
}

// The valid run folder and valid names come often enough that commands get past their first check.
const values = () =>
  fc.oneof(
    fc.constant(p('run')),
    fc.constant(p('run')),
    fc.constantFrom('sgd', '0', 'accuracy=0.1', p('fresh')),
    fc.constantFrom(...paths),
    fc.constantFrom(...paths),
    fc.constantFrom(
      'constructor',
      '__proto__',
      'toString',
      '-1',
      '0',
      'NaN',
      '1e309',
      'x,y',
      ' ',
      'sgd',
      'adam',
      'fashion-mnist-subset',
      'mnist',
      '{"fgsm": [0.1]}',
      '{"fgsm": "x"}',
      '{"nope": [1]}',
      'accuracy=x',
      'acuracy=0.1',
      'accuracy=0.1',
      'not a url',
      'ftp://x/',
      'http://127.0.0.1:9/',
    ),
    fc.string({ maxLength: 12 }),
  );

/** Commands with their required and optional flags; `run` and `evaluate` never get a loadable suite or model here, so nothing trains. */
const commands: Record<string, { readonly positional: number; readonly required: readonly string[]; readonly flags: readonly string[] }> = {
  run: {
    positional: 0,
    required: [],
    flags: ['--optimizers', '--seeds', '--epochs', '--data-dir', '--out', '--workers', '--threads', '--resume', '--shard', '--tune', '--no-weights'],
  },
  evaluate: { positional: 0, required: ['--dataset'], flags: ['--data-dir', '--perturbations', '--suite', '--scale', '--mean', '--std', '--seeds', '--out'] },
  export: { positional: 1, required: ['--optimizer', '--seed'], flags: ['--model', '--regime', '--out'] },
  merge: { positional: 2, required: ['--out'], flags: [] },
  compare: {
    positional: 0,
    required: ['--baseline', '--current'],
    flags: ['--out', '--thresholds', '--threshold', '--alpha', '--perf-threshold', '--allow-mismatch', '--allow-partial', '--baseline-perf', '--current-perf'],
  },
  report: { positional: 1, required: [], flags: [] },
  history: { positional: 2, required: [], flags: ['--out'] },
  'data fetch': { positional: 1, required: [], flags: ['--dir', '--base-url'] },
};
const SWITCHES = new Set(['--tune', '--no-weights', '--allow-mismatch', '--allow-partial']);

const argv = fc.constantFrom(...Object.keys(commands)).chain((name) => {
  const c = commands[name]!;
  const flag = (f: string) => values().map((v) => (SWITCHES.has(f) ? [f] : [f, v]));
  const optional = c.flags.length ? fc.array(fc.constantFrom(...c.flags).chain(flag), { maxLength: 4 }) : fc.constant([]);
  return fc
    .tuple(
      fc.array(values(), { minLength: c.positional ? 1 : 0, maxLength: c.positional }),
      fc.tuple(...c.required.map(flag)),
      optional,
      fc.oneof({ weight: 19, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.constant(['--bogus']) }),
    )
    .map(([pos, required, rest, bogus]) => {
      const args = [...name.split(' '), ...pos, ...required.flat(), ...rest.flat(), ...bogus];
      // Never a real network, never a real training run: a fetch goes to a closed local port, a run or evaluation to a suite or model that cannot load.
      if (name === 'data fetch' && !args.includes('--base-url')) args.push('--base-url', 'http://127.0.0.1:9/');
      if (name === 'run' && !args.includes('--resume')) args.push('--suite', p('suite.ts'));
      if (name === 'evaluate') args.push('--model', p('truncated.onnx'));
      return args;
    });
});

describe('the command line under generated hostile input', () => {
  it('never ends in an internal error or a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const { code, out } = await invoke(args);
        expect([0, 1, 2, 3], `${JSON.stringify(args)}\n${out}`).toContain(code);
        expect(out, JSON.stringify(args)).not.toMatch(/internal error|\n\s+at \S+ \(/);
      }),
      { numRuns: process.env.OPTROBUST_SLOW ? 2000 : 300, seed: 29 },
    );
  }, 600_000);
});
