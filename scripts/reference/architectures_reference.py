#!/usr/bin/python3
"""PyTorch reference for optrobust's architectures: a CIFAR-style ResNet-8 (batch norm,
option-A shortcuts, global average pooling) and an 8-hidden-layer sigmoid MLP, trained with
Adam on the embedded Fashion-MNIST subset from optrobust's own initial weights (parameters
and batch-norm running statistics) and batch orders (exported by
scripts/reference/export-architectures.ts). Records, per configuration: the first 30 step
losses of seed 0, every buffer (running statistics) after 30 steps, and the test accuracy
after the configured epochs for each seed, and every step loss of each seed.

Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    apt-get install python3-torch libopenblas0-pthread
    node --import tsx scripts/reference/export-architectures.ts /tmp/arch.json
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/architectures_reference.py /tmp/arch.json
Writes test/fixtures/architectures-reference.json.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from reference_data import ROOT, idx  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'architectures-reference.json')
LOGGED = 30
# The reference runs in float64; the same run in float32 is recorded too, as the measure of
# how far float32 rounding alone moves a trajectory (optrobust's float32 gradients agree with
# float64 ones to about 1e-6, PyTorch's own float32 ones to about 1e-4 in some layers, which
# Adam's per-element normalisation amplifies over the steps).
DTYPE = torch.float64


class Block(nn.Module):
    """He et al. 2016 basic block; option-A shortcut where the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a_conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.a_bn = nn.BatchNorm2d(cout)
        self.b_conv = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b_bn = nn.BatchNorm2d(cout)
        self.pad = (cout - cin) // 2 if (stride != 1 or cin != cout) else None

    def forward(self, x):
        out = F.relu(self.a_bn(self.a_conv(x)))
        out = self.b_bn(self.b_conv(out))
        shortcut = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + shortcut)


class ResNet(nn.Module):
    def __init__(self, depth, cin, width=16, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.stem_conv = nn.Conv2d(cin, width, 3, 1, 1, bias=False)
        self.stem_bn = nn.BatchNorm2d(width)
        blocks, c = [], width
        for stage, w in enumerate([width, 2 * width, 4 * width]):
            for i in range(n):
                blocks.append(Block(c, w, 2 if stage > 0 and i == 0 else 1))
                c = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem_bn(self.stem_conv(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def build(spec):
    if spec['kind'] == 'resnet':
        return ResNet(spec['depth'], 1, spec.get('width', 16))
    act = {'sigmoid': nn.Sigmoid, 'tanh': nn.Tanh, 'relu': nn.ReLU}[spec.get('activation', 'relu')]
    layers, width = [nn.Flatten()], 784
    for h in spec['hidden']:
        layers += [nn.Linear(width, h), act()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def tensors_in_order(net):
    """Parameters in registration order, then BatchNorm running mean and variance (optrobust's weights order)."""
    params = list(net.parameters())
    buffers = [b for name, b in net.named_buffers() if not name.endswith('num_batches_tracked')]
    return params + buffers


def load(net, entry, shapes):
    ts = tensors_in_order(net)
    assert len(ts) == len(entry['init']) == len(shapes), (len(ts), len(entry['init']))
    with torch.no_grad():
        for t, b64, s in zip(ts, entry['init'], shapes):
            assert list(t.shape) == s['shape'], (s['name'], list(t.shape), s['shape'])
            t.copy_(torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype=np.float32).copy()).reshape(t.shape))


def run(cfg, entry, data):
    xtr, ytr, xte, yte = data
    net = build(cfg['model'])
    load(net, entry, cfg['tensors'])
    net = net.to(DTYPE)
    xtr, xte = xtr.to(DTYPE), xte.to(DTYPE)
    if cfg['optimizer'] == 'adam':
        opt = torch.optim.Adam(net.parameters(), lr=cfg['lr'], foreach=False)
    else:
        opt = torch.optim.SGD(net.parameters(), lr=cfg['lr'], momentum=cfg.get('momentum', 0), foreach=False)
    losses, buffers = [], None
    net.train()
    for order in entry['orders']:
        order = torch.tensor(order)
        for s in range(0, len(order), cfg['batchSize']):
            i = order[s:s + cfg['batchSize']]
            opt.zero_grad()
            loss = F.cross_entropy(net(xtr[i]), ytr[i])
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) == LOGGED:
                n_params = len(list(net.parameters()))
                buffers = [t.detach().numpy().astype(float).tolist() for t in tensors_in_order(net)[n_params:]]
    net.eval()
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    return losses, buffers, acc


def main():
    torch.set_num_threads(1)
    to_tensor = lambda a: torch.from_numpy(a.astype(np.float32) / 255).unsqueeze(1)
    data = (to_tensor(idx('train-images-idx3-ubyte.gz')), torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64)),
            to_tensor(idx('t10k-images-idx3-ubyte.gz')), torch.from_numpy(idx('t10k-labels-idx1-ubyte.gz').astype(np.int64)))
    exported = json.load(open(sys.argv[1]))
    out = {'torch': torch.__version__, 'reference': 'float64, with the float32 run beside it'}
    global DTYPE
    for name, cfg in exported.items():
        DTYPE = torch.float64
        runs = [run(cfg, e, data) for e in cfg['seeds']]
        DTYPE = torch.float32
        runs32 = [run(cfg, e, data) for e in cfg['seeds']]
        out[name] = {
            'seeds': [e['seed'] for e in cfg['seeds']],
            'losses': [r[0] for r in runs],
            'buffers_after_30_seed0': runs[0][1],
            'accuracy': [r[2] for r in runs],
            'float32': {'losses': [r[0] for r in runs32], 'buffers_after_30_seed0': runs32[0][1], 'accuracy': [r[2] for r in runs32]},
        }
        print(name, 'accuracy per seed', [round(r[2], 4) for r in runs], 'float32', [round(r[2], 4) for r in runs32])
    with open(OUT, 'w') as f:
        json.dump(out, f)
        f.write('\n')


if __name__ == '__main__':
    main()
