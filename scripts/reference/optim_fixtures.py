#!/usr/bin/python3
"""Reference trajectories for optrobust's optimizers, from torch.optim itself.

Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    apt-get install python3-torch && /usr/bin/python3 scripts/reference/optim_fixtures.py
Writes test/fixtures/optim/<case>.json: fixed float32 initial tensors of a few shapes,
a fixed sequence of gradients, and the parameters after every step.

torch 1.13's NAdam multiplies mu_t into the momentum product twice in its second term
(mu_product_next = mu_product * mu * mu_next); torch 2.0 fixed it to mu_product * mu_next.
optrobust follows the fixed rule, so this script installs the corrected single-tensor
NAdam before generating that fixture. Everything else is torch 1.13 as shipped.
"""
import json
import math
import os

import torch
import torch.optim.nadam as nadam_module

STEPS = 25
SHAPES = [(3, 4), (5,), (2, 3, 2)]
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'optim')


def fixed_single_tensor_nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, *,
                              beta1, beta2, lr, weight_decay, momentum_decay, eps):
    for i, param in enumerate(params):
        grad, exp_avg, exp_avg_sq = grads[i], exp_avgs[i], exp_avg_sqs[i]
        mu_product, step_t = mu_products[i], state_steps[i]
        step_t += 1
        step = step_t.item()
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        mu = beta1 * (1. - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        mu_product_next = mu_product * mu_next  # the fix: torch 1.13 has mu_product * mu * mu_next
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
        param.addcdiv_(grad, denom, value=-lr * (1. - mu) / (1. - mu_product.item()))
        param.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1. - mu_product_next.item()))


nadam_module._single_tensor_nadam = fixed_single_tensor_nadam

# (case name, optrobust name, torch class, optrobust options, torch options)
CASES = [
    ('sgd-plain', 'sgd', torch.optim.SGD, {'lr': 0.1}, {'lr': 0.1}),
    ('sgd-momentum-wd', 'sgd', torch.optim.SGD, {'lr': 0.05, 'momentum': 0.9, 'weightDecay': 0.01},
     {'lr': 0.05, 'momentum': 0.9, 'weight_decay': 0.01}),
    ('sgd-dampening', 'sgd', torch.optim.SGD, {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.3},
     {'lr': 0.05, 'momentum': 0.8, 'dampening': 0.3}),
    ('sgd-nesterov', 'sgd', torch.optim.SGD, {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.001},
     {'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weight_decay': 0.001}),
    ('rmsprop-default', 'rmsprop', torch.optim.RMSprop, {}, {}),
    ('rmsprop-centered-momentum-wd', 'rmsprop', torch.optim.RMSprop,
     {'lr': 0.005, 'alpha': 0.9, 'centered': True, 'momentum': 0.5, 'weightDecay': 0.01},
     {'lr': 0.005, 'alpha': 0.9, 'centered': True, 'momentum': 0.5, 'weight_decay': 0.01}),
    ('rmsprop-momentum', 'rmsprop', torch.optim.RMSprop, {'lr': 0.001, 'momentum': 0.9}, {'lr': 0.001, 'momentum': 0.9}),
    ('adagrad-default', 'adagrad', torch.optim.Adagrad, {}, {}),
    ('adagrad-decay-wd-init', 'adagrad', torch.optim.Adagrad,
     {'lr': 0.05, 'lrDecay': 0.01, 'weightDecay': 0.01, 'initialAccumulatorValue': 0.1, 'eps': 1e-8},
     {'lr': 0.05, 'lr_decay': 0.01, 'weight_decay': 0.01, 'initial_accumulator_value': 0.1, 'eps': 1e-8}),
    ('adadelta-default', 'adadelta', torch.optim.Adadelta, {}, {}),
    ('adadelta-wd', 'adadelta', torch.optim.Adadelta, {'lr': 0.5, 'rho': 0.95, 'eps': 1e-5, 'weightDecay': 0.01},
     {'lr': 0.5, 'rho': 0.95, 'eps': 1e-5, 'weight_decay': 0.01}),
    ('adam-default', 'adam', torch.optim.Adam, {}, {}),
    ('adam-wd', 'adam', torch.optim.Adam, {'lr': 0.01, 'betas': [0.8, 0.99], 'weightDecay': 0.05},
     {'lr': 0.01, 'betas': (0.8, 0.99), 'weight_decay': 0.05}),
    ('adam-amsgrad', 'adam', torch.optim.Adam, {'lr': 0.01, 'amsgrad': True, 'eps': 1e-6},
     {'lr': 0.01, 'amsgrad': True, 'eps': 1e-6}),
    ('adamw-default', 'adamw', torch.optim.AdamW, {}, {}),
    ('adamw-amsgrad-wd', 'adamw', torch.optim.AdamW, {'lr': 0.01, 'weightDecay': 0.1, 'amsgrad': True},
     {'lr': 0.01, 'weight_decay': 0.1, 'amsgrad': True}),
    ('adamax-default', 'adamax', torch.optim.Adamax, {}, {}),
    ('adamax-wd', 'adamax', torch.optim.Adamax, {'lr': 0.01, 'betas': [0.8, 0.9], 'weightDecay': 0.01},
     {'lr': 0.01, 'betas': (0.8, 0.9), 'weight_decay': 0.01}),
    ('nadam-default', 'nadam', torch.optim.NAdam, {}, {}),
    ('nadam-wd', 'nadam', torch.optim.NAdam, {'lr': 0.01, 'weightDecay': 0.01, 'momentumDecay': 0.01},
     {'lr': 0.01, 'weight_decay': 0.01, 'momentum_decay': 0.01}),
    ('radam-default', 'radam', torch.optim.RAdam, {}, {}),
    ('radam-wd', 'radam', torch.optim.RAdam, {'lr': 0.01, 'betas': [0.8, 0.95], 'weightDecay': 0.01},
     {'lr': 0.01, 'betas': (0.8, 0.95), 'weight_decay': 0.01}),
]


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def write_fixture(case, name, cls, options, torch_options, seed, label=None, shapes=SHAPES):
    """Steps `cls` through STEPS fixed gradients from fixed float32 tensors of `shapes` (both
    drawn from `seed`) and writes test/fixtures/optim/<case>.json; `label` names the reference
    class. An optimizer with `evaluation_point(p)` (schedule-free) has that recorded too."""
    SHAPES = shapes
    gen = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=gen, dtype=torch.float32).requires_grad_() for s in SHAPES]
    initial = [values(p) for p in params]
    # Gradients of varied scale and sign, some exactly zero, as real training produces.
    grads = [[torch.randn(s, generator=gen) * (0.1 + 2 * (step % 3 == 0)) *
              (torch.rand(s, generator=gen) > 0.1) for s in SHAPES] for step in range(STEPS)]
    opt = cls(params, **torch_options)
    trajectory = []
    evaluation = []
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = g.clone()
        opt.step()
        trajectory.append([values(p) for p in params])
        if hasattr(opt, 'evaluation_point'):
            evaluation.append([values(opt.evaluation_point(p)) for p in params])
    fixture = {
        'case': case, 'optimizer': name, 'options': options,
        'torch': {'class': label or cls.__name__, 'options': {key: list(v) if isinstance(v, tuple) else v for key, v in torch_options.items()},
                  'version': torch.__version__},
        'shapes': [list(s) for s in SHAPES], 'initial': initial,
        'grads': [[values(g) for g in step] for step in grads], 'params': trajectory,
    }
    if evaluation:
        fixture['evaluation'] = evaluation
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f'{case}.json'), 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    assert all(math.isfinite(v) for step in trajectory for t in step for v in t), case


def main():
    for k, (case, name, cls, options, torch_options) in enumerate(CASES):
        write_fixture(case, name, cls, options, torch_options, 1000 + k)
    print(f'wrote {len(CASES)} fixtures to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
