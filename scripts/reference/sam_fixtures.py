#!/usr/bin/python3
"""Reference trajectories for SAM and ASAM (src/core/optim/sam.ts), in float32 torch.

The SAM step is transcribed from github.com/davda54/sam (sam.py: first_step, second_step),
the implementation the authors point to, around torch.optim.SGD and torch.optim.Adam. The
loss is a quadratic with known gradient a * (p - c) over two tensors, so that optrobust's
test computes the same second gradient at the perturbed weights without a network.
Reference only:  /usr/bin/python3 scripts/reference/sam_fixtures.py
Writes test/fixtures/optim-sam/*.json.
"""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'optim-sam')
STEPS = 15


class SAM(torch.optim.Optimizer):
    """davda54/sam, unchanged apart from layout."""

    def __init__(self, params, base_optimizer, rho=0.05, adaptive=False, **kwargs):
        defaults = dict(rho=rho, adaptive=adaptive, **kwargs)
        super().__init__(params, defaults)
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    @torch.no_grad()
    def first_step(self):
        grad_norm = self._grad_norm()
        for group in self.param_groups:
            scale = group["rho"] / (grad_norm + 1e-12)
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.state[p]["old_p"] = p.data.clone()
                e_w = (torch.pow(p, 2) if group["adaptive"] else 1.0) * p.grad * scale.to(p)
                p.add_(e_w)

    @torch.no_grad()
    def second_step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.data = self.state[p]["old_p"]
        self.base_optimizer.step()

    def _grad_norm(self):
        return torch.norm(torch.stack([((torch.abs(p) if group["adaptive"] else 1.0) * p.grad).norm(p=2)
                                       for group in self.param_groups for p in group["params"] if p.grad is not None]), p=2)


CASES = {
    'sam-sgd-momentum': dict(base='sgd', base_options=dict(lr=0.1, momentum=0.9, weight_decay=1e-3), rho=0.05, adaptive=False),
    'asam-adam': dict(base='adam', base_options=dict(lr=0.05), rho=0.5, adaptive=True),
    'sam-sgd-plain': dict(base='sgd', base_options=dict(lr=0.2), rho=0.1, adaptive=False),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    shapes = [(5,), (3,)]
    a = [torch.rand(s, generator=g) * 2 + 0.1 for s in shapes]
    c = [torch.randn(s, generator=g) for s in shapes]
    init = [torch.randn(s, generator=g) for s in shapes]
    for name, case in CASES.items():
        params = [torch.nn.Parameter(t.clone()) for t in init]
        base = {'sgd': torch.optim.SGD, 'adam': torch.optim.Adam}[case['base']]
        opt = SAM(params, base, rho=case['rho'], adaptive=case['adaptive'], **case['base_options'])

        def grads():
            for p, ai, ci in zip(params, a, c):
                p.grad = ai * (p.detach() - ci)

        trajectory = []
        for _ in range(STEPS):
            grads()
            opt.first_step()
            grads()
            opt.second_step()
            trajectory.append([p.detach().tolist() for p in params])
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump({'base': case['base'], 'baseOptions': case['base_options'], 'rho': case['rho'], 'adaptive': case['adaptive'],
                       'a': [t.tolist() for t in a], 'c': [t.tolist() for t in c], 'initial': [t.tolist() for t in init],
                       'params': trajectory, 'torch': torch.__version__}, f)
        print('wrote', name)


if __name__ == '__main__':
    main()
