// Every optimizer replays trajectories recorded from torch.optim (1.13, Debian) by
// scripts/reference/optim_fixtures.py: same initial tensors, same gradients, and the
// parameters must agree after every one of the 25 steps. Optimizers torch 1.13 lacks replay
// float32 transcriptions of their reference code (scripts/reference/transcribed_fixtures.py);
// the tensors' shapes go in through `adopt` (Adafactor factors and Muon orthogonalises
// matrices), and schedule-free's evaluation point is checked after every step too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/core/optim/registry.ts';
import { clipGradNorm } from '../../src/core/optim/clip.ts';
import { expectEvery } from '../helpers/expect-every.ts';

interface Fixture {
  case: string;
  optimizer: string;
  options: Record<string, unknown>;
  shapes: number[][];
  initial: number[][];
  grads: number[][][];
  params: number[][][];
  evaluation?: number[][][];
  /** Sophia: sampled-label gradients absorbed after the given (1-based) steps, over `batch` examples. */
  curvature?: Record<string, number[][]>;
  batch?: number;
  /** Sophia's authors' loop: both gradients through clip_grad_norm_ with this norm first. */
  clip?: number;
}

const dir = join(import.meta.dirname, '..', 'fixtures', 'optim');
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);

// torch.testing.assert_close's rule: |a - b| <= ATOL + RTOL·|b|. The absolute floor (about
// 8 float32 ulps at magnitude 1) covers parameters passing through zero, where any
// relative measure blows up one rounding step of a value that was of order 1.
const RTOL = 1e-5;
const ATOL = 1e-6;

/** Largest |a - b| / (ATOL + RTOL·|b|) over a trajectory: at most 1 means agreement. */
async function replay(f: Fixture): Promise<number> {
  const opt = createOptimizer(f.optimizer, f.options);
  const params = opt.adopt(
    f.initial.map((t) => Float32Array.from(t)),
    f.shapes,
  );
  let worst = 0;
  const compare = (got: readonly Float32Array[], want: number[][]) =>
    got.forEach((p, i) =>
      p.forEach((v, j) => {
        const ref = want[i]![j]!;
        worst = Math.max(worst, Math.abs(v - ref) / (ATOL + RTOL * Math.abs(ref)));
      }),
    );
  const clipped = (gs: number[][]) => {
    const arrays = gs.map((g) => Float32Array.from(g));
    if (f.clip) clipGradNorm(arrays, f.clip);
    return arrays;
  };
  for (const [k, step] of f.grads.entries()) {
    await opt.stepAsync(params, clipped(step));
    compare(params, f.params[k]!);
    const sampled = f.curvature?.[String(k + 1)];
    if (opt.curvatureDue !== (sampled !== undefined))
      throw new Error(`${f.case}: curvature due after step ${k + 1}: ${opt.curvatureDue}, the fixture ${sampled !== undefined}`);
    if (sampled) opt.absorbCurvature(clipped(sampled), f.batch!);
    if (f.evaluation) compare(opt.evaluationParams(params), f.evaluation[k]!);
  }
  return worst;
}

describe('optimizers match torch.optim trajectories', () => {
  it('covers every torch-backed optimizer with at least two option sets', () => {
    const counts = new Map<string, number>();
    for (const f of fixtures) counts.set(f.optimizer, (counts.get(f.optimizer) ?? 0) + 1);
    for (const name of [
      'sgd',
      'rmsprop',
      'adagrad',
      'adadelta',
      'adam',
      'adamw',
      'adamax',
      'nadam',
      'radam',
      'adabelief',
      'lamb',
      'schedulefree_sgd',
      'schedulefree_adamw',
      'adafactor',
      'muon',
      'sophia',
    ]) {
      expect(counts.get(name) ?? 0, name).toBeGreaterThanOrEqual(2);
    }
    expectEvery(fixtures, (f) => f.grads.length >= 20);
    expectEvery(
      fixtures.filter((f) => f.optimizer.startsWith('schedulefree')),
      (f) => f.evaluation?.length === f.grads.length,
    );
    // Sophia-G's authors' loop (clipping both gradients) has its own fixture.
    expect(fixtures.some((f) => f.optimizer === 'sophia' && f.clip === 1)).toBe(true);
    // Muon's fixtures hold a matrix, a vector, a convolution kernel and a tall matrix.
    for (const f of fixtures.filter((x) => x.optimizer === 'muon')) expect(f.shapes.map((s) => s.length)).toEqual([2, 1, 4, 2]);
  });

  for (const f of fixtures) {
    it(`${f.case}: within rtol 1e-5 (atol 1e-6) at every step`, async () => {
      expect(await replay(f)).toBeLessThanOrEqual(1);
    });
  }
});
