#!/usr/bin/python3
"""Reference CROWN bounds for optrobust's src/core/model/crown.ts (its plain form, tighten: false).

CROWN (Zhang et al. 2018) transcribed from auto_LiRPA's algorithm (Verified-Intelligence/auto_LiRPA,
compute_bounds(method='backward') with its default bound options), in float64 PyTorch, written
independently of optrobust's graph: nodes in lower/upper form, linear maps by torch autograd's
vector-Jacobian product, the relaxations as auto_LiRPA's code states them:
  - ReLU / LeakyReLU: operators/relu.py, _relu_upper_bound (the chord through (l, f(l)), (u, f(u))
    with l clamped to <= 0, u to >= 0 and u >= l + 1e-8) and the 'adaptive' lower slope
    (1 where the chord's slope > 0.5, else 0 or the leak), masked to 1 / 0 (leak) on stable neurons;
  - MaxPool2d (stride = kernel, no padding): operators/pooling.py, bound_backward: below, the input
    with the largest lower bound; above, that input when its lower bound is >= every other
    input's upper one, else the constant max of the upper bounds;
  - intermediate bounds: every input of a ReLU / activation / max pool (a pre-activation) by its own
    backward pass with the identity as specification (compute_intermediate_bounds); an
    activation's own output by IBP from those (check_IBP_intermediate);
  - at the input (perturbations.py, concretize_matrix): L-inf over the box [max(x - eps, 0),
    min(x + eps, 1)]; L2 by the dual norm over the ball alone, A x0 - eps ||A||_2.
Not auto_LiRPA's: tanh and sigmoid take optrobust's own sound lines (slope the chord's, offsets
the least and greatest f(x) - k x over l, u and the points where f' = k), and GELU its interval
(slope 0), as crown.ts documents; they are transcribed here from that definition.

The models are ibp_reference.py's two (same seed, so the same weights as
test/fixtures/onnx/ibp-*.onnx; checked against that script's logits).
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/reference/crown_reference.py
Writes test/fixtures/crown-reference.json.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ibp_reference import COUNT, OUT, Residual, cnn, gelu_net
from reference_data import idx

EPS = {'linf': [0.001, 0.005, 0.02], 'l2': [0.02, 0.1, 0.5]}


def to_nodes(net):
    """The network as a list of (kind, module, inputs), inputs as node indices (-1: the image)."""
    nodes = []

    def add(kind, module, inputs):
        nodes.append((kind, module, inputs))
        return len(nodes) - 1

    def walk(module, at):
        if isinstance(module, nn.Sequential):
            for m in module:
                at = walk(m, at)
            return at
        if isinstance(module, Residual):
            a = add('act', nn.ReLU(), [add('lin', module.a, [at])])
            s = add('add', None, [add('lin', module.b, [a]), at])
            return add('act', nn.ReLU(), [s])
        if isinstance(module, (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.GELU)):
            return add('act', module, [at])
        if isinstance(module, nn.MaxPool2d):
            return add('maxpool', module, [at])
        return add('lin', module, [at])

    walk(net, -1)
    return nodes


def interval_linear(module, l, u):
    c, r = (l + u) / 2, (u - l) / 2
    if isinstance(module, nn.Linear):
        c, r = module(c), F.linear(r, module.weight.abs())
    elif isinstance(module, nn.Conv2d):
        c, r = module(c), F.conv2d(r, module.weight.abs(), None, module.stride, module.padding)
    elif isinstance(module, nn.BatchNorm2d):
        scale = (module.weight / torch.sqrt(module.running_var + module.eps)).view(1, -1, 1, 1)
        c, r = module(c), r * scale.abs()
    else:  # Flatten, AvgPool2d: non-negative, no offset
        c, r = module(c), module(r)
    return c - r, c + r


def gelu_interval(module, l, u):
    fl, fu = module(l), module(u)
    argmin = torch.tensor(-0.7517915246935645, dtype=l.dtype)
    lo = torch.where((l <= argmin) & (u >= argmin), module(argmin), torch.min(fl, fu))
    return lo, torch.max(fl, fu)


def relu_lines(l, u, a):
    lr, ur = l.clamp(max=0), u.clamp(min=0)
    ur = torch.max(ur, lr + 1e-8)
    if a > 0:
        up_d = (ur - a * lr) / (ur - lr)
        up_b = -lr * up_d + a * lr
    else:
        up_d = ur / (ur - lr)
        up_b = -lr * up_d
    low = (up_d > 0.5).to(l.dtype)
    if a > 0:
        low = low + (up_d <= 0.5).to(l.dtype) * a
    active, dead = (l >= 0).to(l.dtype), (u <= 0).to(l.dtype)
    low_d = low.clamp(min=a, max=1) * (1 - active) * (1 - dead) + active + dead * a
    return low_d, torch.zeros_like(l), up_d, up_b


def s_lines(module, l, u):
    f = module
    tanh = isinstance(module, nn.Tanh)
    mid = f((l + u) / 2)
    d_mid = 1 - mid * mid if tanh else mid * (1 - mid)
    width = u - l
    k = torch.where(width < 1e-4, d_mid, (f(u) - f(l)) / width.clamp(min=1e-12))
    if tanh:
        t = torch.sqrt((1 - k).clamp(0, 1 - 1e-7))
        p = torch.atanh(t)
    else:
        s = (1 + torch.sqrt((1 - 4 * k).clamp(0, 1 - 1e-7))) / 2
        p = torch.log(s / (1 - s))
    vals = [f(torch.min(torch.max(v, l), u)) - k * torch.min(torch.max(v, l), u) for v in (l, u, p, -p)]
    return k, torch.min(torch.stack(vals), 0).values, k, torch.max(torch.stack(vals), 0).values


def crown(net, x, y, eps, norm, classes=10):
    nodes = to_nodes(net)
    n = x.shape[0]
    box = ((x - eps).clamp(min=0), (x + eps).clamp(max=1))
    shapes, bounds, lines = [], [], {}
    with torch.no_grad():
        values = []
        for kind, module, inputs in nodes:
            args = [x if j < 0 else values[j] for j in inputs]
            values.append(args[0] + args[1] if kind == 'add' else module(args[0]))
        shapes = [t.shape[1:] for t in values]

    def read(j):
        return box if j < 0 else bounds[j]

    def step(i, A):
        """A [N, S, *shape_i] -> [(input index, coefficients)], bias [N, S]."""
        kind, module, inputs = nodes[i]
        S = A.shape[1]
        flat = A.reshape(n * S, *shapes[i])
        if kind == 'add':
            return [(inputs[0], A), (inputs[1], A)], 0
        if kind == 'lin':
            shape_in = box[0].shape[1:] if inputs[0] < 0 else shapes[inputs[0]]
            z = torch.zeros(n * S, *shape_in, dtype=A.dtype, requires_grad=True)
            out = module(z)
            (dz,) = torch.autograd.grad(out, z, flat)
            f0 = module(torch.zeros(1, *shape_in, dtype=A.dtype)).detach()
            bias = (A * f0.unsqueeze(1)).flatten(2).sum(2)
            return [(inputs[0], dz.detach().reshape(n, S, *shape_in))], bias
        pos, neg = A.clamp(min=0), A.clamp(max=0)
        if kind == 'maxpool':
            low_d, up_d, up_b = lines[i]
            k = module.kernel_size
            spread = lambda B: F.interpolate(B.reshape(n * S, *B.shape[2:]), scale_factor=k, mode='nearest').reshape(n, S, *low_d.shape[1:])
            dx = spread(pos) * low_d.unsqueeze(1) + spread(neg) * up_d.unsqueeze(1)
            return [(inputs[0], dx)], (neg * up_b.unsqueeze(1)).flatten(2).sum(2)
        low_d, low_b, up_d, up_b = lines[i]
        if low_d is None:  # an interval: slope 0
            return [], (pos * low_b.unsqueeze(1) + neg * up_b.unsqueeze(1)).flatten(2).sum(2)
        dx = pos * low_d.unsqueeze(1) + neg * up_d.unsqueeze(1)
        return [(inputs[0], dx)], (pos * low_b.unsqueeze(1) + neg * up_b.unsqueeze(1)).flatten(2).sum(2)

    def backward(target, A):
        pending = {target: A}
        bias = torch.zeros(n, A.shape[1], dtype=A.dtype)
        at_input = None
        for i in range(target, -1, -1):
            if i not in pending:
                continue
            outs, b = step(i, pending.pop(i))
            bias = bias + b
            for j, d in outs:
                if j < 0:
                    at_input = d if at_input is None else at_input + d
                else:
                    pending[j] = d if j not in pending else pending[j] + d
        if at_input is None:
            return bias
        a = at_input.flatten(2)
        if norm == 'l2':
            return bias + (a * x.flatten(1).unsqueeze(1)).sum(2) - eps * a.norm(2, dim=2)
        c, r = (box[0] + box[1]) / 2, (box[1] - box[0]) / 2
        return bias + (a * c.flatten(1).unsqueeze(1)).sum(2) - (a.abs() * r.flatten(1).unsqueeze(1)).sum(2)

    pre = {j for kind, _, inputs in nodes if kind in ('act', 'maxpool') for j in inputs if nodes[j][0] != 'act'}
    for i, (kind, module, inputs) in enumerate(nodes):
        l, u = read(inputs[0])
        if kind == 'add':
            b = read(inputs[1])
            bounds.append((l + b[0], u + b[1]))
        elif kind == 'lin':
            bounds.append(interval_linear(module, l, u))
        elif kind == 'maxpool':
            bounds.append((module(l), module(u)))
            max_lower, index = F.max_pool2d(l, module.kernel_size, module.stride, return_indices=True)
            sel = torch.zeros_like(l).flatten(2).scatter(2, index.flatten(2), 1.0).view_as(l)
            others = torch.where(sel > 0, torch.full_like(u, -math.inf), u)
            max_others = F.max_pool2d(others, module.kernel_size, module.stride)
            linear = (max_lower >= max_others).to(l.dtype)
            linear_full = F.interpolate(linear, scale_factor=module.kernel_size, mode='nearest')
            up_b = (1 - linear) * F.max_pool2d(u, module.kernel_size, module.stride)
            lines[i] = (sel, sel * linear_full, up_b)
        elif isinstance(module, nn.GELU):
            bounds.append(gelu_interval(module, l, u))
            lines[i] = (None, bounds[i][0], None, bounds[i][1])
        else:
            bounds.append((module(l), module(u)))
            if isinstance(module, (nn.Tanh, nn.Sigmoid)):
                lines[i] = s_lines(module, l, u)
            else:
                lines[i] = relu_lines(l, u, module.negative_slope if isinstance(module, nn.LeakyReLU) else 0.0)
        if i in pre:
            m = int(np.prod(shapes[i]))
            eye = torch.eye(m, dtype=x.dtype)
            specs = torch.cat([eye, -eye]).reshape(1, 2 * m, *shapes[i]).expand(n, -1, *([-1] * len(shapes[i])))
            both = backward(i, specs)
            bounds[i] = (both[:, :m].reshape(n, *shapes[i]), -both[:, m:].reshape(n, *shapes[i]))
    C = F.one_hot(y, classes).to(x.dtype).unsqueeze(1) - torch.eye(classes, dtype=x.dtype).unsqueeze(0)
    return backward(len(nodes) - 1, C)


def main():
    torch.manual_seed(3)
    nets = [('ibp-cnn', cnn()), ('ibp-gelu', gelu_net())]
    x = torch.tensor(idx('t10k-images-idx3-ubyte.gz')[:COUNT].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28).double()
    y = torch.tensor(idx('t10k-labels-idx1-ubyte.gz')[:COUNT].astype(np.int64))
    with open(os.path.join(OUT, 'ibp-reference.json')) as f:
        ibp_ref = json.load(f)
    out = {'torch': torch.__version__, 'count': COUNT, 'eps': EPS, 'models': {}}
    for name, net in nets:
        net = net.eval().double()
        with torch.no_grad():
            logits = net(x).reshape(-1)
        # The same weights as the ONNX fixture ibp_reference.py wrote.
        assert np.allclose(logits.numpy(), ibp_ref['models'][name]['logits'], atol=1e-9), name
        # One example at a time: the first layer's coefficients are [6912, 6, 24, 24] per example.
        bound = lambda e, norm: torch.cat([crown(net, x[i:i + 1], y[i:i + 1], e, norm) for i in range(COUNT)])
        out['models'][name] = {norm: {str(e): bound(e, norm).reshape(-1).tolist() for e in eps} for norm, eps in EPS.items()}
    with open(os.path.join(OUT, 'crown-reference.json'), 'w') as f:
        json.dump(out, f)
    print('wrote', os.path.join(OUT, 'crown-reference.json'))


if __name__ == '__main__':
    main()
