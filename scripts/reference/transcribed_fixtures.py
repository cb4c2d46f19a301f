#!/usr/bin/python3
"""Reference trajectories for the optimizers torch 1.13 does not have, in float32 torch.

AdaBelief (src/core/optim/adabelief.ts): the step transcribed from the authors' package,
adabelief-pytorch 0.2.0 (github.com/juntang-zhuang/Adabelief-Optimizer,
pypi_packages/adabelief_pytorch0.2.0/adabelief_pytorch/AdaBelief.py), defaults included,
without its console messages.
LAMB (src/core/optim/lamb.ts): the dense step of tensorflow-addons' LAMB
(tensorflow_addons/optimizers/lamb.py, _resource_apply_dense), defaults included, every
tensor layer-adapted (its default).
SGDScheduleFree and AdamWScheduleFree (src/core/optim/schedulefree.ts): the per-tensor (non-foreach)
step of facebookresearch/schedule_free (schedulefree/sgd_schedulefree.py,
adamw_schedulefree.py), defaults included; `evaluation_point` is its eval() (p.lerp_(z, 1-1/β))
on a copy, recorded after every step.
Adafactor (src/core/optim/adafactor.ts): torch 2.5's _single_tensor_adafactor
(torch/optim/_adafactor.py), defaults included.
Muon (src/core/optim/muon.ts): SingleDeviceMuonWithAuxAdam with zeropower_via_newtonschulz5 and
adam_update (github.com/KellerJordan/Muon, muon.py), every tensor of 2+ dimensions in the Muon
group, the rest in the Adam group; the Newton-Schulz iteration in float32 instead of bfloat16
(optrobust runs it in float32).
SophiaG (src/core/optim/sophia.ts): sophia.py of github.com/Liuhong99/Sophia (its latest SophiaG:
rho, step(bs)), defaults included, with the Hessian update of its train_sophiag.py every
k-th step; the fixture adds the sampled-label gradients (`curvature`, by step) and `batch`.
Same fixture format as optim_fixtures.py.
    /usr/bin/python3 scripts/reference/transcribed_fixtures.py
"""
import json
import math
import os

import torch

from optim_fixtures import SHAPES, STEPS, values, write_fixture  # beside this script: the same fixture format and gradients



class AdaBelief(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-16, weight_decay=0, amsgrad=False,
                 weight_decouple=True, fixed_decay=False, rectify=True, degenerated_to_sgd=True):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        buffer=[[None, None, None] for _ in range(10)])
        super().__init__(params, defaults)
        self.degenerated_to_sgd, self.weight_decouple = degenerated_to_sgd, weight_decouple
        self.rectify, self.fixed_decay = rectify, fixed_decay

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group['params']:
                grad = p.grad.data
                amsgrad = group['amsgrad']
                state = self.state[p]
                beta1, beta2 = group['betas']
                if len(state) == 0:
                    state['step'] = 0
                    state['exp_avg'] = torch.zeros_like(p.data)
                    state['exp_avg_var'] = torch.zeros_like(p.data)
                    if amsgrad:
                        state['max_exp_avg_var'] = torch.zeros_like(p.data)
                if self.weight_decouple:
                    if not self.fixed_decay:
                        p.data.mul_(1.0 - group['lr'] * group['weight_decay'])
                    else:
                        p.data.mul_(1.0 - group['weight_decay'])
                else:
                    if group['weight_decay'] != 0:
                        grad.add_(p.data, alpha=group['weight_decay'])
                exp_avg, exp_avg_var = state['exp_avg'], state['exp_avg_var']
                state['step'] += 1
                bias_correction1 = 1 - beta1 ** state['step']
                bias_correction2 = 1 - beta2 ** state['step']
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                grad_residual = grad - exp_avg
                exp_avg_var.mul_(beta2).addcmul_(grad_residual, grad_residual, value=1 - beta2)
                if amsgrad:
                    max_exp_avg_var = state['max_exp_avg_var']
                    torch.max(max_exp_avg_var, exp_avg_var.add_(group['eps']), out=max_exp_avg_var)
                    denom = (max_exp_avg_var.sqrt() / math.sqrt(bias_correction2)).add_(group['eps'])
                else:
                    denom = (exp_avg_var.add_(group['eps']).sqrt() / math.sqrt(bias_correction2)).add_(group['eps'])
                if not self.rectify:
                    step_size = group['lr'] / bias_correction1
                    p.data.addcdiv_(exp_avg, denom, value=-step_size)
                else:
                    buffered = group['buffer'][int(state['step'] % 10)]
                    if state['step'] == buffered[0]:
                        N_sma, step_size = buffered[1], buffered[2]
                    else:
                        buffered[0] = state['step']
                        beta2_t = beta2 ** state['step']
                        N_sma_max = 2 / (1 - beta2) - 1
                        N_sma = N_sma_max - 2 * state['step'] * beta2_t / (1 - beta2_t)
                        buffered[1] = N_sma
                        if N_sma >= 5:
                            step_size = math.sqrt((1 - beta2_t) * (N_sma - 4) / (N_sma_max - 4) * (N_sma - 2) / N_sma * N_sma_max / (N_sma_max - 2)) / (1 - beta1 ** state['step'])
                        elif self.degenerated_to_sgd:
                            step_size = 1.0 / (1 - beta1 ** state['step'])
                        else:
                            step_size = -1
                        buffered[2] = step_size
                    if N_sma >= 5:
                        denom = exp_avg_var.sqrt().add_(group['eps'])
                        p.data.addcdiv_(exp_avg, denom, value=-step_size * group['lr'])
                    elif step_size > 0:
                        p.data.add_(exp_avg, alpha=-step_size * group['lr'])


class LAMB(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            for p in group['params']:
                grad = p.grad
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = 0
                    state['m'] = torch.zeros_like(p)
                    state['v'] = torch.zeros_like(p)
                state['step'] += 1
                t = state['step']
                m, v = state['m'], state['v']
                m.copy_(m * beta1 + grad * (1 - beta1))
                v.copy_(v * beta2 + (grad * grad) * (1 - beta2))
                m_hat = m / (1. - beta1 ** t)
                v_hat = v / (1. - beta2 ** t)
                update = m_hat / (torch.sqrt(v_hat) + group['eps'])
                update = update + group['weight_decay'] * p
                w_norm = torch.norm(p, p=2)
                g_norm = torch.norm(update, p=2)
                ratio = torch.where(w_norm > 0, torch.where(g_norm > 0, w_norm / g_norm, torch.ones_like(w_norm)), torch.ones_like(w_norm))
                p.copy_(p - ratio * group['lr'] * update)


class SGDScheduleFree(torch.optim.Optimizer):
    def __init__(self, params, lr=1.0, momentum=0.9, weight_decay=0, warmup_steps=0, r=0.0, weight_lr_power=2):
        super().__init__(params, dict(lr=lr, momentum=momentum, r=r, k=0, warmup_steps=warmup_steps, weight_sum=0.0,
                                      lr_max=-1.0, weight_lr_power=weight_lr_power, weight_decay=weight_decay))

    def evaluation_point(self, p):
        group = self.param_groups[0]
        return p.detach().clone().lerp_(end=self.state[p]['z'], weight=1 - 1 / group['momentum'])

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            momentum, weight_decay, k = group['momentum'], group['weight_decay'], group['k']
            warmup_steps = group['warmup_steps']
            sched = (k + 1) / warmup_steps if k < warmup_steps else 1.0
            lr = group['lr'] * sched
            lr_max = group['lr_max'] = max(lr, group['lr_max'])
            weight = ((k + 1) ** group['r']) * (lr_max ** group['weight_lr_power'])
            weight_sum = group['weight_sum'] = group['weight_sum'] + weight
            ckp1 = weight / weight_sum if weight_sum != 0 else 0
            for p in group['params']:
                y, grad = p.data, p.grad.data
                if 'z' not in self.state[p]:
                    self.state[p]['z'] = torch.clone(y)
                z = self.state[p]['z']
                if weight_decay != 0:
                    grad.add_(y, alpha=weight_decay)
                y.lerp_(end=z, weight=ckp1)
                y.add_(grad, alpha=lr * (momentum * (1 - ckp1) - 1))
                z.sub_(grad, alpha=lr)
            group['k'] = k + 1


class AdamWScheduleFree(torch.optim.Optimizer):
    def __init__(self, params, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, warmup_steps=0, r=0.0, weight_lr_power=2.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, r=r, k=0, warmup_steps=warmup_steps, weight_sum=0.0,
                                      lr_max=-1.0, weight_lr_power=weight_lr_power, weight_decay=weight_decay))

    def evaluation_point(self, p):
        beta1 = self.param_groups[0]['betas'][0]
        return p.detach().clone().lerp_(end=self.state[p]['z'], weight=1 - 1 / beta1)

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            eps, (beta1, beta2), decay, k = group['eps'], group['betas'], group['weight_decay'], group['k']
            warmup_steps = group['warmup_steps']
            sched = (k + 1) / warmup_steps if k < warmup_steps else 1.0
            bias_correction2 = 1 - beta2 ** (k + 1)
            lr = group['lr'] * sched
            lr_max = group['lr_max'] = max(lr, group['lr_max'])
            weight = ((k + 1) ** group['r']) * (lr_max ** group['weight_lr_power'])
            weight_sum = group['weight_sum'] = group['weight_sum'] + weight
            ckp1 = weight / weight_sum if weight_sum != 0 else 0
            adaptive_y_lr = lr * (beta1 * (1 - ckp1) - 1)
            for p in group['params']:
                y, grad = p.data, p.grad.data
                state = self.state[p]
                if 'z' not in state:
                    state['z'] = torch.clone(y)
                    state['exp_avg_sq'] = torch.zeros_like(p)
                z, exp_avg_sq = state['z'], state['exp_avg_sq']
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt_().add_(eps)
                grad_normalized = grad.div_(denom)
                if decay != 0:
                    grad_normalized.add_(y, alpha=decay)
                y.lerp_(end=z, weight=ckp1)
                y.add_(grad_normalized, alpha=adaptive_y_lr)
                z.sub_(grad_normalized, alpha=lr)
            group['k'] = k + 1


class Adafactor(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            eps1, eps2 = group['eps']
            lr, beta2_decay, d, weight_decay = group['lr'], group['beta2_decay'], group['d'], group['weight_decay']
            for param in group['params']:
                grad = param.grad
                state = self.state[param]
                if len(state) == 0:
                    state['step'] = torch.tensor(0.0)
                    if grad.dim() > 1:
                        row_shape = list(grad.shape)
                        row_shape[-1] = 1
                        state['row_var'] = grad.new_zeros(row_shape)
                        col_shape = list(grad.shape)
                        col_shape[-2] = 1
                        state['col_var'] = grad.new_zeros(col_shape)
                    else:
                        state['variance'] = torch.zeros_like(grad)
                if eps1 is None:
                    eps1 = torch.finfo(param.dtype).eps
                step_t = state['step']
                step_t += 1
                step_float = step_t.item()
                one_minus_beta2_t = step_float ** beta2_decay
                rho_t = min(lr, 1 / (step_float ** 0.5))
                alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t
                if weight_decay != 0:
                    param.mul_(1 - lr * weight_decay)
                if grad.dim() > 1:
                    row_var, col_var = state['row_var'], state['col_var']
                    row_mean = torch.linalg.vector_norm(grad, dim=-1, keepdim=True).square_().div_(grad.size(-1))
                    row_var.lerp_(row_mean, one_minus_beta2_t)
                    col_mean = torch.linalg.vector_norm(grad, dim=-2, keepdim=True).square_().div_(grad.size(-2))
                    col_var.lerp_(col_mean, one_minus_beta2_t)
                    var_estimate = row_var @ col_var
                    var_estimate.div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
                else:
                    variance = state['variance']
                    variance.lerp_(grad * grad, one_minus_beta2_t)
                    var_estimate = variance.clone()
                update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_()
                update.mul_(grad)
                denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
                param.add_(update, alpha=-alpha / denom)


def zeropower_via_newtonschulz5(G, steps):
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = G.float()  # the reference: G.bfloat16()
    if G.size(-2) > G.size(-1):
        X = X.mT
    X = X / (X.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        A = X @ X.mT
        B = b * A + c * A @ A
        X = a * X + B @ X
    if G.size(-2) > G.size(-1):
        X = X.mT
    return X


def muon_update(grad, momentum, beta=0.95, ns_steps=5, nesterov=True):
    momentum.lerp_(grad, 1 - beta)
    update = grad.lerp_(momentum, beta) if nesterov else momentum
    if update.ndim == 4:
        update = update.view(len(update), -1)
    update = zeropower_via_newtonschulz5(update, steps=ns_steps)
    update *= max(1, grad.size(-2) / grad.size(-1)) ** 0.5
    return update


def adam_update(grad, buf1, buf2, step, betas, eps):
    buf1.lerp_(grad, 1 - betas[0])
    buf2.lerp_(grad.square(), 1 - betas[1])
    buf1c = buf1 / (1 - betas[0] ** step)
    buf2c = buf2 / (1 - betas[1] ** step)
    return buf1c / (buf2c.sqrt() + eps)


class Muon(torch.optim.Optimizer):
    """SingleDeviceMuonWithAuxAdam, its groups made from the tensors' ranks."""
    def __init__(self, params, lr=0.02, momentum=0.95, nesterov=True, ns_steps=5, weight_decay=0,
                 adam_lr=3e-4, adam_betas=(0.9, 0.95), adam_eps=1e-10, adam_weight_decay=0):
        params = list(params)
        groups = [dict(params=[p for p in params if p.ndim >= 2], lr=lr, momentum=momentum, weight_decay=weight_decay, use_muon=True),
                  dict(params=[p for p in params if p.ndim < 2], lr=adam_lr, betas=adam_betas, eps=adam_eps, weight_decay=adam_weight_decay, use_muon=False)]
        super().__init__(groups, dict())
        self.nesterov, self.ns_steps = nesterov, ns_steps

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group['params']:
                state = self.state[p]
                if group['use_muon']:
                    if len(state) == 0:
                        state['momentum_buffer'] = torch.zeros_like(p)
                    update = muon_update(p.grad, state['momentum_buffer'], beta=group['momentum'], ns_steps=self.ns_steps, nesterov=self.nesterov)
                    p.mul_(1 - group['lr'] * group['weight_decay'])
                    p.add_(update.reshape(p.shape), alpha=-group['lr'])
                else:
                    if len(state) == 0:
                        state['exp_avg'] = torch.zeros_like(p)
                        state['exp_avg_sq'] = torch.zeros_like(p)
                        state['step'] = 0
                    state['step'] += 1
                    update = adam_update(p.grad, state['exp_avg'], state['exp_avg_sq'], state['step'], group['betas'], group['eps'])
                    p.mul_(1 - group['lr'] * group['weight_decay'])
                    p.add_(update, alpha=-group['lr'])


class SophiaG(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-4, betas=(0.965, 0.99), rho=0.04, weight_decay=1e-1):
        super().__init__(params, dict(lr=lr, betas=betas, rho=rho, weight_decay=weight_decay))

    @torch.no_grad()
    def update_hessian(self):
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            for p in group['params']:
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = torch.tensor(0.)
                    state['exp_avg'] = torch.zeros_like(p)
                    state['hessian'] = torch.zeros_like(p)
                state['hessian'].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)

    @torch.no_grad()
    def step(self, bs=5120):
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            lr, rho, weight_decay = group['lr'], group['rho'], group['weight_decay']
            for param in group['params']:
                grad = param.grad
                state = self.state[param]
                if len(state) == 0:
                    state['step'] = torch.tensor(0.)
                    state['exp_avg'] = torch.zeros_like(param)
                    state['hessian'] = torch.zeros_like(param)
                exp_avg, hess = state['exp_avg'], state['hessian']
                state['step'] += 1
                param.mul_(1 - lr * weight_decay)
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                ratio = (exp_avg.abs() / (rho * bs * hess + 1e-15)).clamp(None, 1)
                param.addcmul_(exp_avg.sign(), ratio, value=-lr)


def sophia_fixture(case, options, torch_options, seed, k, batch, clip=0.0, sampled_scale=0.05):
    """SophiaG stepped through the fixture gradients; after every k-th step a fresh
    'sampled-label' gradient goes through update_hessian, as train_sophiag.py does; with
    `clip`, both gradients first through torch.nn.utils.clip_grad_norm_(params, clip), as
    train_sophiag.py clips them (grad_clip = 1.0)."""
    gen = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=gen, dtype=torch.float32) for s in SHAPES]
    initial = [values(p) for p in params]
    grads = [[torch.randn(s, generator=gen) * (0.1 + 2 * (step % 3 == 0)) * (torch.rand(s, generator=gen) > 0.1) for s in SHAPES] for step in range(STEPS)]
    curvature = {}
    opt = SophiaG(params, **torch_options)
    trajectory = []
    for step in range(STEPS):
        for p, g in zip(params, grads[step]):
            p.grad = g.clone()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step(bs=batch)
        trajectory.append([values(p) for p in params])
        if (step + 1) % k == 0:
            sampled = [torch.randn(s, generator=gen) * sampled_scale for s in SHAPES]
            for p, g in zip(params, sampled):
                p.grad = g.clone()
            if clip:
                torch.nn.utils.clip_grad_norm_(params, clip)
            opt.update_hessian()
            curvature[str(step + 1)] = [values(g) for g in sampled]
    fixture = {
        'case': case, 'optimizer': 'sophia', 'options': options,
        'torch': {'class': 'SophiaG (Liuhong99/Sophia, transcribed)', 'options': {key: list(v) if isinstance(v, tuple) else v for key, v in torch_options.items()}, 'version': torch.__version__},
        'shapes': [list(s) for s in SHAPES], 'initial': initial,
        'grads': [[values(g) for g in step] for step in grads], 'params': trajectory,
        'curvature': curvature, 'batch': batch,
        **({'clip': clip} if clip else {}),
    }
    with open(os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'optim', f'{case}.json'), 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    assert all(math.isfinite(v) for step in trajectory for t in step for v in t), case


MUON_SHAPES = [(3, 4), (5,), (4, 2, 2, 2), (6, 3)]

CASES = [
    ('adabelief-default', 'adabelief', AdaBelief, {}, {}),
    ('adabelief-plain-coupled-wd', 'adabelief', AdaBelief, {'lr': 0.01, 'eps': 1e-8, 'weightDecay': 0.01, 'weightDecouple': False, 'rectify': False},
     {'lr': 0.01, 'eps': 1e-8, 'weight_decay': 0.01, 'weight_decouple': False, 'rectify': False}),
    ('adabelief-amsgrad-fixed-decay', 'adabelief', AdaBelief, {'lr': 0.01, 'betas': [0.8, 0.9], 'amsgrad': True, 'weightDecay': 0.001, 'fixedDecay': True},
     {'lr': 0.01, 'betas': (0.8, 0.9), 'amsgrad': True, 'weight_decay': 0.001, 'fixed_decay': True}),
    ('adabelief-no-sgd-phase', 'adabelief', AdaBelief, {'lr': 0.01, 'degeneratedToSgd': False}, {'lr': 0.01, 'degenerated_to_sgd': False}),
    ('lamb-default', 'lamb', LAMB, {}, {}),
    ('lamb-wd', 'lamb', LAMB, {'lr': 0.01, 'betas': [0.8, 0.99], 'eps': 1e-8, 'weightDecay': 0.01},
     {'lr': 0.01, 'betas': (0.8, 0.99), 'eps': 1e-8, 'weight_decay': 0.01}),
    ('schedulefree_sgd-default', 'schedulefree_sgd', SGDScheduleFree, {'lr': 0.1}, {'lr': 0.1}),
    ('schedulefree_sgd-warmup-wd-r', 'schedulefree_sgd', SGDScheduleFree, {'lr': 0.05, 'momentum': 0.8, 'weightDecay': 0.01, 'warmupSteps': 5, 'r': 1, 'weightLrPower': 1},
     {'lr': 0.05, 'momentum': 0.8, 'weight_decay': 0.01, 'warmup_steps': 5, 'r': 1.0, 'weight_lr_power': 1}),
    ('schedulefree_adamw-default', 'schedulefree_adamw', AdamWScheduleFree, {}, {}),
    ('schedulefree_adamw-warmup-wd', 'schedulefree_adamw', AdamWScheduleFree, {'lr': 0.01, 'betas': [0.95, 0.99], 'eps': 1e-6, 'weightDecay': 0.05, 'warmupSteps': 10},
     {'lr': 0.01, 'betas': (0.95, 0.99), 'eps': 1e-6, 'weight_decay': 0.05, 'warmup_steps': 10}),
    ('adafactor-default', 'adafactor', Adafactor, {}, {}),
    ('adafactor-wd-clip', 'adafactor', Adafactor, {'lr': 0.1, 'beta2Decay': -0.5, 'eps2': 1e-2, 'd': 2, 'weightDecay': 0.01},
     {'lr': 0.1, 'beta2_decay': -0.5, 'eps': (None, 1e-2), 'd': 2.0, 'weight_decay': 0.01}),
    ('muon-default', 'muon', Muon, {}, {}),
    ('muon-plain-wd', 'muon', Muon, {'lr': 0.05, 'momentum': 0.9, 'nesterov': False, 'nsSteps': 3, 'weightDecay': 0.01, 'adamLr': 0.01, 'adamBetas': [0.8, 0.99], 'adamEps': 1e-8, 'adamWeightDecay': 0.1},
     {'lr': 0.05, 'momentum': 0.9, 'nesterov': False, 'ns_steps': 3, 'weight_decay': 0.01, 'adam_lr': 0.01, 'adam_betas': (0.8, 0.99), 'adam_eps': 1e-8, 'adam_weight_decay': 0.1}),
]


SOURCES = {'adabelief': 'AdaBelief (adabelief-pytorch 0.2.0, transcribed)', 'lamb': 'LAMB (tensorflow-addons, transcribed)',
           'schedulefree_sgd': 'SGDScheduleFree (facebookresearch/schedule_free, transcribed)',
           'schedulefree_adamw': 'AdamWScheduleFree (facebookresearch/schedule_free, transcribed)',
           'adafactor': 'Adafactor (torch 2.5 torch.optim, transcribed)',
           'muon': 'SingleDeviceMuonWithAuxAdam (KellerJordan/Muon, transcribed; Newton-Schulz in float32)'}


def polar_fixture():
    """Muon's orthogonalisation against the exact polar factor, from an SVD in float64: for
    G = U S Vᵀ, five quintic steps give U f(S/‖G‖_F) Vᵀ (f the scalar iteration), and the
    polar factor is U Vᵀ. Writes test/fixtures/optim-muon/polar.json."""
    a, b, c = (3.4445, -4.7750, 2.0315)
    gen = torch.Generator().manual_seed(3000)
    cases = []
    for rows, cols in [(8, 5), (5, 12), (16, 16), (32, 72)]:
        # Singular values spread over three decades, as a gradient's are.
        u, _ = torch.linalg.qr(torch.randn(rows, rows, generator=gen, dtype=torch.float64))
        v, _ = torch.linalg.qr(torch.randn(cols, cols, generator=gen, dtype=torch.float64))
        k = min(rows, cols)
        sigma = torch.logspace(0, -3, k, dtype=torch.float64)
        g = (u[:, :k] * sigma) @ v[:, :k].T
        g = g.float().double()  # the matrix exactly as float32 holds it
        U, S, Vh = torch.linalg.svd(g, full_matrices=False)
        x = S / (torch.linalg.norm(g) + 1e-7)
        for _ in range(5):
            x = a * x + b * x ** 3 + c * x ** 5
        cases.append({'rows': rows, 'cols': cols, 'g': values(g), 'newtonSchulz': values((U * x) @ Vh),
                      'polar': values(U @ Vh), 'singular': [float(v) for v in x], 'tolerance': float((x - 1).abs().max())})
    out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'optim-muon')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'polar.json'), 'w') as f:
        json.dump({'source': 'float64 SVD (torch.linalg.svd), torch ' + torch.__version__, 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')


def zeropower_bf16(G, steps):
    """The reference's zeropower_via_newtonschulz5 in bfloat16 as its authors run it, on a GPU:
    every operation's result rounded to bfloat16 (round to nearest even), matrix products
    accumulated in float32 first (tensor-core GEMMs; bfloat16 products are exact in float32).
    Written out with float32 operations and explicit rounding, because PyTorch's CPU bfloat16
    matmul here (1.13, generic BLAS) rounds every product and partial sum to bfloat16: other
    numbers than the GPU's. The expression order is the reference's (c * A @ A is (c·A) @ A)."""
    r = lambda t: t.bfloat16().float()
    a, b, c = (3.4445, -4.7750, 2.0315)
    X = r(G.float())
    if G.size(-2) > G.size(-1):
        X = X.mT
    X = r(X / r(r(X.norm(dim=(-2, -1), keepdim=True)) + 1e-7))
    for _ in range(steps):
        A = r(X @ X.mT)
        B = r(r(b * A) + r(r(c * A) @ A))
        X = r(r(a * X) + r(B @ X))
    if G.size(-2) > G.size(-1):
        X = X.mT
    return X


def bf16_fixture():
    """Muon's Newton-Schulz in bfloat16 (the reference's own precision), for matrices of
    the shapes Muon meets: wide, tall and square, gradient-like (singular values over three
    decades). Writes test/fixtures/optim-muon/bf16.json: each input and the bfloat16 output
    (exactly representable as float32), with the update the reference then applies
    (update *= max(1, rows/cols)**0.5, still bfloat16)."""
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(3100)
    cases = []
    for rows, cols in [(8, 5), (5, 12), (16, 16), (32, 72), (64, 32), (10, 100)]:
        u, _ = torch.linalg.qr(torch.randn(rows, rows, generator=gen, dtype=torch.float64))
        v, _ = torch.linalg.qr(torch.randn(cols, cols, generator=gen, dtype=torch.float64))
        k = min(rows, cols)
        sigma = torch.logspace(0, -3, k, dtype=torch.float64) * 0.01
        g = ((u[:, :k] * sigma) @ v[:, :k].T).float()
        x = zeropower_bf16(g, 5)
        update = (x * max(1, rows / cols) ** 0.5).bfloat16().float()
        cases.append({'rows': rows, 'cols': cols, 'g': values(g), 'x': values(x), 'update': values(update)})
    out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'optim-muon')
    with open(os.path.join(out, 'bf16.json'), 'w') as f:
        json.dump({'source': 'zeropower_via_newtonschulz5 in bfloat16 as a GPU runs it (KellerJordan/Muon, transcribed), torch ' + torch.__version__,
                   'cases': cases}, f, separators=(',', ':'))
        f.write('\n')


def main():
    bf16_fixture()
    polar_fixture()
    sophia_fixture('sophia-default', {}, {}, 2100, 10, 128)
    sophia_fixture('sophia-k3-wd', {'lr': 0.01, 'betas': [0.9, 0.95], 'rho': 0.1, 'weightDecay': 0.01, 'hessianInterval': 3},
                   {'lr': 0.01, 'betas': (0.9, 0.95), 'rho': 0.1, 'weight_decay': 0.01}, 2101, 3, 64)
    # The authors' loop: both gradients clipped to norm 1.0 (the fixture's gradients are larger).
    sophia_fixture('sophia-authors-clip', {'lr': 0.01, 'hessianInterval': 4}, {'lr': 0.01}, 2102, 4, 32, clip=1.0, sampled_scale=0.5)
    for k, (case, name, cls, options, torch_options) in enumerate(CASES):
        write_fixture(case, name, cls, options, torch_options, 2000 + k, SOURCES[name], MUON_SHAPES if name == 'muon' else SHAPES)
    print(f'wrote {len(CASES)} fixtures')


if __name__ == '__main__':
    main()
