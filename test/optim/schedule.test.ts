// Learning-rate schedules as pure functions of the step.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scheduledLr, scheduleProblem, type Schedule } from '../../src/core/optim/schedule.ts';

describe('scheduledLr', () => {
  it('constant', () => expect(scheduledLr({ kind: 'constant' }, 0.1, 57, 100)).toBe(0.1));

  it('step decay multiplies by gamma every N steps (torch StepLR)', () => {
    const s = { kind: 'step', everyNSteps: 10, gamma: 0.5 } as const;
    expect([0, 9, 10, 19, 20, 35].map((t) => scheduledLr(s, 1, t, 100))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
  });

  it('cosine goes from lr to minLr over the run (torch CosineAnnealingLR)', () => {
    const s = { kind: 'cosine', minLr: 0.01 } as const;
    expect(scheduledLr(s, 0.1, 0, 100)).toBeCloseTo(0.1, 12);
    expect(scheduledLr(s, 0.1, 50, 100)).toBeCloseTo(0.055, 12);
    expect(scheduledLr(s, 0.1, 100, 100)).toBeCloseTo(0.01, 12);
  });

  it('warm-up ramps linearly and composes with another schedule', () => {
    const s = { kind: 'warmup', steps: 4, then: { kind: 'cosine' } } as const;
    expect(scheduledLr(s, 1, 0, 8)).toBeCloseTo(0.25 * 1, 12);
    expect(scheduledLr(s, 1, 1, 8)).toBeCloseTo(0.5 * ((1 + Math.cos(Math.PI / 8)) / 2), 12);
    expect(scheduledLr(s, 1, 6, 8)).toBeCloseTo((1 + Math.cos((6 * Math.PI) / 8)) / 2, 12);
  });

  it('reports bad fields by path', () => {
    expect(scheduleProblem({ kind: 'step', everyNSteps: 0, gamma: 0.5 })).toBe('schedule.everyNSteps = 0; expected a positive integer');
    expect(scheduleProblem({ kind: 'warmup', steps: 5, then: { kind: 'step', everyNSteps: 3, gamma: 2 } })).toBe(
      'schedule.then.gamma = 2; expected a number in (0, 1]',
    );
    expect(scheduleProblem({ kind: 'exponential' } as never)).toMatch(/expected one of constant, step, cosine, linear, warmup/);
  });
});

describe('against torch.optim.lr_scheduler (scripts/reference/schedule_fixtures.py)', () => {
  const ref = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'schedules.json'), 'utf8')) as {
    T: number;
    lr: number;
    rates: Record<string, number[]>;
  };
  const cases: [string, Schedule][] = [
    ['step', { kind: 'step', everyNSteps: 7, gamma: 0.5 }],
    ['cosine', { kind: 'cosine', minLr: 0.001 }],
    ['linear', { kind: 'linear' }],
    ['linear-min', { kind: 'linear', minLr: 0.01 }],
    ['warmup-cosine', { kind: 'warmup', steps: 10, then: { kind: 'cosine' } }],
  ];
  for (const [name, schedule] of cases) {
    it(`${name}: the rate in force at every step, as torch's scheduler sets it`, () => {
      const ours = Array.from({ length: ref.T }, (_, t) => scheduledLr(schedule, ref.lr, t, ref.T));
      const theirs = ref.rates[name]!;
      expect(theirs).toHaveLength(ref.T);
      // torch's cosine and linear schedulers update recursively: agreement to rounding, not bits.
      ours.forEach((v, t) => expect(Math.abs(v - theirs[t]!), `step ${t}`).toBeLessThanOrEqual(1e-12 + 1e-9 * Math.abs(theirs[t]!)));
    });
  }

  it('linear decay reaches minLr (0 by default) at the last step and refuses a negative one', () => {
    expect(scheduledLr({ kind: 'linear' }, 0.1, 40, 40)).toBe(0);
    expect(scheduledLr({ kind: 'linear', minLr: 0.01 }, 0.1, 40, 40)).toBeCloseTo(0.01, 15);
    expect(scheduleProblem({ kind: 'linear', minLr: -1 })).toBe('schedule.minLr = -1; expected a finite number >= 0');
  });
});
