#!/usr/bin/env python3
"""Records an optimizer's trajectory for `optrobust check-optimizer`: seeded random initial
parameters, seeded random gradients fed to your PyTorch optimizer step after step, and the
parameters after every step, written as JSON (format optrobust-trajectory/1).

As a library (your own optimizer):

    import sys; sys.path.insert(0, 'node_modules/optrobust/tools')
    from record_trajectory import record
    record(lambda params: MySignum(params, lr=0.01, momentum=0.9),
           optimizer='signum', options={'lr': 0.01, 'momentum': 0.9},
           shapes={'fc.weight': (8, 5), 'fc.bias': (8,)}, steps=20, out='signum.json')

then `npx optrobust check-optimizer signum.ts --trajectory signum.json`. `optimizer` and
`options` are what optrobust calls them (the names in your defineOptimizer); `roles`
({'fc.bias': 'bias', 'head.weight': 'head'}) marks tensors for optimizers that treat them
differently (default 'hidden'); `lrs` (one learning rate per step) replays a schedule, set
on every param group before each step.

From the command line, for torch.optim's own optimizers:

    python3 record_trajectory.py Adam '{"lr": 0.01}' adam '{"lr": 0.01}' adam.json

(the torch class and its keyword arguments, then optrobust's name and options).

JAX: write the same JSON from your own loop: {"format": "optrobust-trajectory/1",
"optimizer", "options", "tensors": [{"name", "shape", "role"?}], "initial": [[values]],
"steps": [{"lr"?, "grads": [[values]], "params": [[values after the step]]}]}, each
tensor's values flattened in row-major (C) order, float32.
"""
import json
import sys

import torch


def record(make_optimizer, optimizer, options, shapes, steps=20, out='trajectory.json', seed=0, roles=None, lrs=None, grad_scale=1.0):
    """Runs `steps` steps of make_optimizer(params) on seeded random gradients; writes the trajectory JSON."""
    g = torch.Generator().manual_seed(seed)
    names = list(shapes)
    params = [torch.nn.Parameter(torch.randn(*shapes[n], generator=g, dtype=torch.float32)) for n in names]
    initial = [p.detach().flatten().tolist() for p in params]
    opt = make_optimizer(params)
    trace = []
    for k in range(steps):
        grads = [grad_scale * torch.randn(*shapes[n], generator=g, dtype=torch.float32) for n in names]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        step = {}
        if lrs is not None:
            for group in opt.param_groups:
                group['lr'] = lrs[k]
            step['lr'] = lrs[k]
        opt.step()
        step['grads'] = [gr.flatten().tolist() for gr in grads]
        step['params'] = [p.detach().flatten().tolist() for p in params]
        trace.append(step)
    tensors = [{'name': n, 'shape': list(shapes[n]), **({'role': roles[n]} if roles and n in roles else {})} for n in names]
    with open(out, 'w') as f:
        json.dump({'format': 'optrobust-trajectory/1', 'optimizer': optimizer, 'options': options,
                   'tensors': tensors, 'initial': initial, 'steps': trace}, f)
    return out


if __name__ == '__main__':
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    torch_name, torch_kwargs, name, options, out = sys.argv[1:]
    cls = getattr(torch.optim, torch_name)
    kwargs = json.loads(torch_kwargs)
    record(lambda params: cls(params, **kwargs), name, json.loads(options),
           {'layer.weight': (6, 5), 'layer.bias': (6,)}, out=out)
    print(f'wrote {out}')
