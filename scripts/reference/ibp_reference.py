#!/usr/bin/python3
"""Reference certified bounds for optrobust's IBP (src/core/model/ibp.ts).

Two small PyTorch classifiers, exported with torch.onnx.export (evaluation mode, batch norm
kept as BatchNormalization by exporting without constant folding), and their interval bounds
computed here by plain interval arithmetic in float64: lower/upper form, l' = W+ l + W- u + b
for linear maps (optrobust carries centre and radius instead), f(l), f(u) for monotone ones,
GELU's minimum inside the interval, and the last Linear folded into the margin as Gowal et al.
2018 do. For 12 test images and three radii: the margin lower bounds z_y - z_j.

  ibp-cnn.onnx   Conv, BatchNorm, ReLU, MaxPool, Conv, Tanh, AvgPool, a residual block
                 (Conv, ReLU, Conv, + input, ReLU), Flatten, Linear, Sigmoid, Linear
  ibp-gelu.onnx  Flatten, Linear, GELU, Linear, LeakyReLU, Linear
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/reference/ibp_reference.py
Writes test/fixtures/onnx/ibp-*.onnx and test/fixtures/ibp-reference.json.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from reference_data import ROOT, idx  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures')
EPS = [0.001, 0.005, 0.02]
COUNT = 12
GELU_ARGMIN = -0.7517915246935645


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = nn.Conv2d(c, c, 3, padding=1)
        self.b = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return F.relu(self.b(F.relu(self.a(x))) + x)


def cnn():
    bn = nn.BatchNorm2d(6)
    with torch.no_grad():  # statistics and affine values away from the defaults
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(-1.5, 1.5)
        bn.bias.uniform_(-0.3, 0.3)
    return nn.Sequential(nn.Conv2d(1, 6, 5), bn, nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 8, 3), nn.Tanh(), nn.AvgPool2d(2),
                         Residual(8), nn.Flatten(), nn.Linear(8 * 5 * 5, 24), nn.Sigmoid(), nn.Linear(24, 10))


def gelu_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 40), nn.GELU(), nn.Linear(40, 20), nn.LeakyReLU(0.1), nn.Linear(20, 10))


def interval(module, l, u):
    """Bounds of module(x) over l <= x <= u, module by module, in lower/upper form."""
    if isinstance(module, nn.Sequential):
        for m in module:
            l, u = interval(m, l, u)
        return l, u
    if isinstance(module, Residual):
        al, au = interval(module.a, l, u)
        al, au = F.relu(al), F.relu(au)
        bl, bu = interval(module.b, al, au)
        return F.relu(bl + l), F.relu(bu + u)
    if isinstance(module, nn.Linear):
        wp, wn = module.weight.clamp(min=0), module.weight.clamp(max=0)
        return (F.linear(l, wp) + F.linear(u, wn) + module.bias, F.linear(u, wp) + F.linear(l, wn) + module.bias)
    if isinstance(module, nn.Conv2d):
        wp, wn = module.weight.clamp(min=0), module.weight.clamp(max=0)
        conv = lambda x, w: F.conv2d(x, w, None, module.stride, module.padding)
        b = module.bias.view(1, -1, 1, 1)
        return conv(l, wp) + conv(u, wn) + b, conv(u, wp) + conv(l, wn) + b
    if isinstance(module, nn.BatchNorm2d):
        scale = (module.weight / torch.sqrt(module.running_var + module.eps)).view(1, -1, 1, 1)
        shift = module.bias.view(1, -1, 1, 1) - module.running_mean.view(1, -1, 1, 1) * scale
        return torch.min(l * scale, u * scale) + shift, torch.max(l * scale, u * scale) + shift
    if isinstance(module, (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.LeakyReLU)):
        return module(l), module(u)
    if isinstance(module, nn.GELU):
        fl, fu = module(l), module(u)
        lo = torch.min(fl, fu)
        inside = (l <= GELU_ARGMIN) & (u >= GELU_ARGMIN)
        lo = torch.where(inside, module(torch.tensor(GELU_ARGMIN, dtype=l.dtype)), lo)
        return lo, torch.max(fl, fu)
    raise TypeError(type(module))


def margins(net, x, y, eps):
    l, u = (x - eps).clamp(min=0), (x + eps).clamp(max=1)
    body, head = net[:-1], net[-1]
    hl, hu = interval(body, l, u)
    wd = head.weight[y].unsqueeze(1) - head.weight.unsqueeze(0)  # [N, K, H]
    bd = head.bias[y].unsqueeze(1) - head.bias.unsqueeze(0)
    wp, wn = wd.clamp(min=0), wd.clamp(max=0)
    return (wp @ hl.unsqueeze(2) + wn @ hu.unsqueeze(2)).squeeze(2) + bd


def main():
    torch.manual_seed(3)
    x = torch.tensor(idx('t10k-images-idx3-ubyte.gz')[:COUNT].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = torch.tensor(idx('t10k-labels-idx1-ubyte.gz')[:COUNT].astype(np.int64))
    out = {'torch': torch.__version__, 'count': COUNT, 'eps': EPS, 'models': {}}
    for name, net in [('ibp-cnn', cnn()), ('ibp-gelu', gelu_net())]:
        net.eval()
        torch.onnx.export(net, torch.zeros(2, 1, 28, 28), os.path.join(OUT, 'onnx', f'{name}.onnx'), input_names=['x'],
                          output_names=['logits'], opset_version=17, training=torch.onnx.TrainingMode.EVAL,
                          do_constant_folding=False, dynamic_axes={'x': {0: 'N'}})
        net64 = net.double()
        with torch.no_grad():
            out['models'][name] = {
                'logits': net64(x.double()).reshape(-1).tolist(),
                'margins': {str(e): margins(net64, x.double(), y, e).reshape(-1).tolist() for e in EPS},
            }
    with open(os.path.join(OUT, 'ibp-reference.json'), 'w') as f:
        json.dump(out, f)
    print('wrote', os.path.join(OUT, 'ibp-reference.json'))


if __name__ == '__main__':
    main()
