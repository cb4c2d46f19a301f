// Schedules as hyperparameters, end to end: with tune.schedules, each trial draws a warmup
// fraction and a shape, and the main cells train with the chosen ones: every logged step's
// learning rate is scheduledLr of the chosen warmup (its fraction of the run's steps) and
// shape, and results.csv says which.
import { describe, expect, it } from 'vitest';
import { smallRun } from '../helpers/small-run.ts';
import { phaseResults } from '../../src/run/experiment/phase.ts';
import { main } from '../../src/run/experiment/phases/main.ts';
import { tune } from '../../src/run/experiment/phases/tune.ts';
import { scheduledLr, type Schedule } from '../../src/core/optim/schedule.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

describe('tune.schedules', () => {
  it('searches a warmup fraction and a shape per trial, and the grid trains with the chosen ones', async () => {
    const { dir, records } = await smallRun({ seeds: [0], tune: { budget: 4, seeds: [0], schedules: ['cosine', 'linear'] } });
    const trials = phaseResults(records, tune);
    expect(trials).toHaveLength(2 * 4);
    for (const t of trials) {
      expect(t.key.params!.warmup).toBeGreaterThanOrEqual(0);
      expect(t.key.params!.warmup).toBeLessThan(0.1);
      expect(['cosine', 'linear']).toContain(t.key.params!.schedule);
    }
    // Both shapes are drawn among the four points (the sequence fills the choice's halves).
    expect(new Set(trials.map((t) => t.key.params!.schedule)).size).toBe(2);
    const results = parse(readFileSync(join(dir, 'results.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    for (const { key, result } of phaseResults(records, main)) {
      const chosen = result.tuned!;
      // The run's steps: 2 epochs of the 600 training images less the 60 held out, batch 50.
      const total = 2 * Math.ceil(540 / 50);
      const warmup = Math.round((chosen.warmup as number) * total);
      const then: Schedule = { kind: chosen.schedule as 'cosine' | 'linear' };
      const schedule: Schedule = warmup > 0 ? { kind: 'warmup', steps: warmup, then } : then;
      expect(result.steps.length).toBeGreaterThan(3);
      for (const s of result.steps)
        expect(s.lr, `${key.optimizer} step ${s.step}`).toBeCloseTo(scheduledLr(schedule, chosen.lr as number, s.step - 1, total), 12);
      const row = results.find((r) => r.optimizer === key.optimizer && r.metric === 'accuracy')!;
      expect(JSON.parse(row.schedule!)).toEqual({ warmupFraction: chosen.warmup, then: chosen.schedule });
    }
  }, 120_000);
});
