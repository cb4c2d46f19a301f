#!/usr/bin/python3
"""Trajectory fixtures for test/harness/check-optimizer.test.ts, recorded with the script
that ships with the package (tools/record_trajectory.py):
  adam.json     torch.optim.Adam (lr 0.01, weight decay 0.1), a built-in optrobust optimizer
  signum.json   Signum (sign of momentum; Bernstein et al. 2018, signSGD with momentum,
                decoupled weight decay), written here in PyTorch as a user would; its
                optrobust twin is test/fixtures/optimizers/signum.mts, written only against
                the package's public API
Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    /usr/bin/python3 scripts/reference/trajectory_fixtures.py
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
sys.path.insert(0, os.path.join(ROOT, 'tools'))
from record_trajectory import record  # noqa: E402

OUT = os.path.join(ROOT, 'test', 'fixtures', 'trajectories')


class Signum(torch.optim.Optimizer):
    """m = momentum * m + (1 - momentum) * g;  p = p * (1 - lr * weight_decay) - lr * sign(m)."""

    def __init__(self, params, lr=1e-3, momentum=0.9, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group['params']:
                state = self.state[p]
                if 'm' not in state:
                    state['m'] = torch.zeros_like(p)
                m = state['m']
                m.mul_(group['momentum']).add_(p.grad, alpha=1 - group['momentum'])
                p.mul_(1 - group['lr'] * group['weight_decay'])
                p.add_(torch.sign(m), alpha=-group['lr'])


SHAPES = {'fc1.weight': (16, 12), 'fc1.bias': (16,), 'fc2.weight': (4, 16), 'fc2.bias': (4,)}

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    record(lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1), 'adam', {'lr': 0.01, 'weightDecay': 0.1},
           SHAPES, steps=25, out=os.path.join(OUT, 'adam.json'))
    # A step schedule, to check that each step's lr is the one applied.
    lrs = [0.02] * 10 + [0.005] * 15
    record(lambda ps: Signum(ps, lr=0.02, momentum=0.9, weight_decay=0.05), 'signum',
           {'lr': 0.02, 'momentum': 0.9, 'weightDecay': 0.05}, SHAPES, steps=25, lrs=lrs, out=os.path.join(OUT, 'signum.json'))
    print('wrote', OUT)
