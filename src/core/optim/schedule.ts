// Learning-rate schedules, separate from optimizers (as torch.optim.lr_scheduler and
// optax schedules are): a pure function of the step, applied before every step.
//   constant                      lr
//   step    (everyNSteps, gamma)  lr · gamma^floor(t / everyNSteps)
//   cosine  (minLr)               minLr + (lr - minLr)·(1 + cos(π·t/T))/2, T = total steps
//   linear  (minLr)               lr + (minLr - lr)·t/T: linear decay, to 0 by default (AlgoPerf's
//                                 baselines; torch LinearLR(start_factor=1, end_factor=minLr/lr, total_iters=T))
//   warmup  (steps, then)         linear ramp from lr/steps to lr over `steps`, times `then`
// t counts steps from 0; T is the run's total number of steps.
import { show } from '../../errors.ts';
import { positiveInt } from '../util/validate.ts';

export type Schedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly everyNSteps: number; readonly gamma: number }
  | { readonly kind: 'cosine'; readonly minLr?: number }
  | { readonly kind: 'linear'; readonly minLr?: number }
  | { readonly kind: 'warmup'; readonly steps: number; readonly then?: Schedule };

export const constant: Schedule = { kind: 'constant' };

/** The learning rate for 0-based step `t` of `total`, from the base learning rate `lr`. */
export function scheduledLr(schedule: Schedule, lr: number, t: number, total: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * schedule.gamma ** Math.floor(t / schedule.everyNSteps);
    case 'cosine': {
      const min = schedule.minLr ?? 0;
      return min + ((lr - min) * (1 + Math.cos((Math.PI * Math.min(t, total)) / total))) / 2;
    }
    case 'linear': {
      const min = schedule.minLr ?? 0;
      return lr + ((min - lr) * Math.min(t, total)) / total;
    }
    case 'warmup':
      return Math.min(1, (t + 1) / schedule.steps) * scheduledLr(schedule.then ?? constant, lr, t, total);
  }
}

/** Checks a schedule, returning a message naming the bad field, or undefined. */
export function scheduleProblem(s: Schedule, path = 'schedule'): string | undefined {
  switch (s.kind) {
    case 'constant':
      return undefined;
    case 'step':
      if (!positiveInt(s.everyNSteps)) return `${path}.everyNSteps = ${show(s.everyNSteps)}; expected a positive integer`;
      if (!(s.gamma > 0 && s.gamma <= 1)) return `${path}.gamma = ${show(s.gamma)}; expected a number in (0, 1]`;
      return undefined;
    case 'cosine':
    case 'linear':
      if (s.minLr !== undefined && !(Number.isFinite(s.minLr) && s.minLr >= 0)) return `${path}.minLr = ${show(s.minLr)}; expected a finite number >= 0`;
      return undefined;
    case 'warmup':
      if (!positiveInt(s.steps)) return `${path}.steps = ${show(s.steps)}; expected a positive integer`;
      return s.then ? scheduleProblem(s.then, `${path}.then`) : undefined;
    default:
      return `${path}.kind = ${show((s as { kind: unknown }).kind)}; expected one of constant, step, cosine, linear, warmup`;
  }
}
