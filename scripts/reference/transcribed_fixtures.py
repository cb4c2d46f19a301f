#!/usr/bin/python3
"""Reference trajectories for the optimizers torch 1.13 does not have, in float32 torch.

AdaBelief (src/optim/adabelief.ts): the step transcribed from the authors' package,
adabelief-pytorch 0.2.0 (github.com/juntang-zhuang/Adabelief-Optimizer,
pypi_packages/adabelief_pytorch0.2.0/adabelief_pytorch/AdaBelief.py), defaults included,
without its console messages.
LAMB (src/optim/lamb.ts): the dense step of tensorflow-addons' LAMB
(tensorflow_addons/optimizers/lamb.py, _resource_apply_dense), defaults included, every
tensor layer-adapted (its default).
Same fixture format as optim_fixtures.py.
    /usr/bin/python3 scripts/reference/transcribed_fixtures.py
"""
import math

import torch

from optim_fixtures import write_fixture  # beside this script: the same fixture format and gradients



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
]


SOURCES = {'adabelief': 'AdaBelief (adabelief-pytorch 0.2.0, transcribed)', 'lamb': 'LAMB (tensorflow-addons, transcribed)'}


def main():
    for k, (case, name, cls, options, torch_options) in enumerate(CASES):
        write_fixture(case, name, cls, options, torch_options, 2000 + k, SOURCES[name])
    print(f'wrote {len(CASES)} fixtures')


if __name__ == '__main__':
    main()
