// The preprocessing an ONNX file states in its metadata (optrobust.preprocess, JSON
// { scale?, mean?, std? }): evaluate applies it when no flag gives one, and scores the model
// exactly as with the flags; a malformed value, or flags that say otherwise, are refused
// (exit 2, the file and key named, nothing written).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { cli, read, ROOT } from '../helpers/cli.ts';

const { onnx } = onnxProto;
const LENET = join(ROOT, 'test', 'fixtures', 'onnx', 'trained-lenet.onnx');
const ref = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'onnx', 'reference.json'), 'utf8')).trained_lenet as { mean: number; std: number };
const tmp = () => mkdtempSync(join(tmpdir(), 'optrobust-meta-'));

/** trained-lenet.onnx with `value` under optrobust.preprocess, in a folder of its own (same file name, so the same model label). */
function withPreprocess(value: string): string {
  const model = onnx.ModelProto.decode(readFileSync(LENET));
  model.metadataProps = [onnx.StringStringEntryProto.create({ key: 'optrobust.preprocess', value })];
  const file = join(tmp(), 'trained-lenet.onnx');
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
  return file;
}

const evaluate = (model: string, out: string, ...flags: string[]) =>
  cli(['evaluate', '--model', model, '--dataset', 'fashion-mnist-subset', '--test-limit', '500', '--perturbations', '{"fgsm":[0.03]}', '--out', out, ...flags]);

describe('an ONNX file that states its preprocessing', () => {
  it('is scored without flags exactly as the plain file with --mean/--std', async () => {
    const stated = withPreprocess(JSON.stringify({ mean: [ref.mean], std: [ref.std] }));
    const plain = join(tmp(), 'trained-lenet.onnx');
    copyFileSync(LENET, plain);
    const a = join(tmp(), 'a');
    const b = join(tmp(), 'b');
    expect((await evaluate(stated, a)).code).toBe(0);
    expect((await evaluate(plain, b, '--mean', String(ref.mean), '--std', String(ref.std))).code).toBe(0);
    expect(read(a, 'results.csv')).toBe(read(b, 'results.csv'));
    // The same numbers the flags give are not a conflict.
    expect((await evaluate(stated, join(tmp(), 'c'), '--mean', String(ref.mean), '--std', String(ref.std))).code).toBe(0);
  }, 300_000);

  for (const [value, flags, message] of [
    ['{"mean": [0.3', [], /metadata optrobust\.preprocess = "\{\\"mean\\": \[0\.3"; expected JSON \{ "scale"\?, "mean"\?, "std"\? \}/],
    ['{"mean": [0.3], "std": [-1]}', [], /metadata optrobust\.preprocess\.std = \[-1\]; expected a list of positive numbers/],
    ['{"mean": [0.3], "sd": [0.3]}', [], /metadata optrobust\.preprocess\.sd = \[0\.3\]; expected no such field/],
    ['{}', ['--mean', '0.5', '--std', '0.5'], /its metadata optrobust\.preprocess says \{\}, the suite \(or --scale\/--mean\/--std\) .*drop one/],
  ] as const) {
    it(`refuses ${value}${flags.length ? ` with ${flags.join(' ')}` : ''}: exit 2, nothing written`, async () => {
      const out = join(tmp(), 'never');
      const r = await evaluate(withPreprocess(value), out, ...flags);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/trained-lenet\.onnx/);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error/i);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('warns when nothing states the preprocessing and standardised input scores clearly higher; not when flags or the file state it', async () => {
    const plain = join(tmp(), 'trained-lenet.onnx');
    copyFileSync(LENET, plain);
    const bare = join(tmp(), 'bare');
    const r = await evaluate(plain, bare);
    expect(r.code, r.stderr).toBe(0);
    const warning = new RegExp(
      'warning: pretrained: clean accuracy (\\d+\\.\\d)% as given, (\\d+\\.\\d)% on the test images standardised by their own mean and ' +
        'standard deviation: does the model expect normalised input\\? If so, pass it \\(--mean ([\\d.]+) --std ([\\d.]+),',
    ).exec(r.stderr);
    expect(warning, r.stderr).not.toBeNull();
    // The first number is the run's own clean accuracy; the second at least 5 points above it.
    const clean = read(bare, 'results.csv')
      .split('\n')
      .find((l) => l.includes(',clean,0,accuracy,'))!;
    expect(warning![1]).toBe((100 * Number(clean.split(',').at(-1))).toFixed(1));
    expect(Number(warning![2]) - Number(warning![1])).toBeGreaterThanOrEqual(5);
    // The statistics it suggests are the test images' own: Fashion-MNIST's are near 0.286 and 0.353.
    expect(Number(warning![3])).toBeCloseTo(0.286, 1);
    expect(Number(warning![4])).toBeCloseTo(0.353, 1);
    expect(read(bare, 'report.html')).toContain('<li><b>normalisation?</b> pretrained: clean accuracy');
    // Stated by flags, or by the file (even as {}): nothing to suggest.
    for (const run of [
      await evaluate(plain, join(tmp(), 'flags'), '--mean', String(ref.mean), '--std', String(ref.std)),
      await evaluate(withPreprocess('{}'), join(tmp(), 'stated')),
    ]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/normalised input/);
    }
  }, 300_000);
});
