#!/usr/bin/python3
"""Learning rates of torch.optim.lr_scheduler, step by step, for test/optim/schedule.test.ts:
the schedules optrobust has, each as the torch scheduler it matches (the rate in force at each
of 0..T-1 optimizer steps; optrobust sets the rate before every step, torch's scheduler after):
  step    StepLR(step_size=7, gamma=0.5)
  cosine  CosineAnnealingLR(T_max=T, eta_min=0.001)
  linear  LinearLR(start_factor=1, end_factor=0, total_iters=T); and end_factor=0.1 (minLr 0.01)
  warmup  LambdaLR(t -> min(1, (t+1)/10) * (1 + cos(pi t/T))/2): ten steps of warm-up times cosine
          (torch has no composition of the two that multiplies them: ChainedScheduler applies
          CosineAnnealingLR's recursive form to the warmed-up rate, another schedule)
T = 40, base rate 0.1. Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    /usr/bin/python3 scripts/reference/schedule_fixtures.py
"""
import json
import math
import os

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
T, LR = 40, 0.1


def rates(make):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=LR)
    sched = make(opt)
    out = []
    for _ in range(T):
        out.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
    return out


S = torch.optim.lr_scheduler
fixtures = {
    'step': rates(lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    'cosine': rates(lambda o: S.CosineAnnealingLR(o, T_max=T, eta_min=0.001)),
    'linear': rates(lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=T)),
    'linear-min': rates(lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=T)),
    'warmup-cosine': rates(lambda o: S.LambdaLR(o, lambda t: min(1.0, (t + 1) / 10) * (1 + math.cos(math.pi * t / T)) / 2)),
}
with open(os.path.join(ROOT, 'test', 'fixtures', 'schedules.json'), 'w') as f:
    json.dump({'torch': torch.__version__, 'T': T, 'lr': LR, 'rates': fixtures}, f)
print('wrote test/fixtures/schedules.json')
