// Every optimizer replays trajectories recorded from torch.optim (1.13, Debian) by
// scripts/reference/optim_fixtures.py: same initial tensors, same gradients, and the
// parameters must agree after every one of the 25 steps.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/optim/registry.ts';

interface Fixture {
  case: string;
  optimizer: string;
  options: Record<string, unknown>;
  initial: number[][];
  grads: number[][][];
  params: number[][][];
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
function replay(f: Fixture): number {
  const opt = createOptimizer(f.optimizer, f.options);
  const params = f.initial.map((t) => Float32Array.from(t));
  let worst = 0;
  f.grads.forEach((step, k) => {
    opt.step(params, step.map((g) => Float32Array.from(g)));
    params.forEach((p, i) =>
      p.forEach((v, j) => {
        const ref = f.params[k]![i]![j]!;
        worst = Math.max(worst, Math.abs(v - ref) / (ATOL + RTOL * Math.abs(ref)));
      }),
    );
  });
  return worst;
}

describe('optimizers match torch.optim trajectories', () => {
  it('covers every torch-backed optimizer with at least two option sets', () => {
    const counts = new Map<string, number>();
    for (const f of fixtures) counts.set(f.optimizer, (counts.get(f.optimizer) ?? 0) + 1);
    for (const name of ['sgd', 'rmsprop', 'adagrad', 'adadelta', 'adam', 'adamw', 'adamax', 'nadam', 'radam', 'adabelief', 'lamb']) {
      expect(counts.get(name) ?? 0, name).toBeGreaterThanOrEqual(2);
    }
    expect(fixtures.every((f) => f.grads.length >= 20)).toBe(true);
  });

  for (const f of fixtures) {
    it(`${f.case}: within rtol 1e-5 (atol 1e-6) at every step`, () => {
      expect(replay(f)).toBeLessThanOrEqual(1);
    });
  }
});
