#!/usr/bin/python3
"""PyTorch reference for optrobust's Hessian-vector products (src/core/onnx/forward-mode.ts over the
training graph, Network.hvp): for each case exported by scripts/reference/export-hvp.ts, the
exact product H v of the training-mode mean cross-entropy at the exported weights, through
autograd's double backward in float64, summarised per parameter tensor as the norm of (Hv)_k
and the projection u_k . (Hv)_k, with v^T H v; for cases that ask, the top eigenvalue by power
iteration to convergence. Reference only:
    node --import tsx scripts/reference/export-hvp.ts /tmp/hvp.json
    /usr/bin/python3 scripts/reference/hvp_reference.py /tmp/hvp.json
Writes test/fixtures/hvp-reference.json.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
from torch import nn

from reference_data import ROOT, idx  # beside this script
from architectures_reference import ResNet

OUT = os.path.join(ROOT, 'test', 'fixtures', 'hvp-reference.json')
ACTIVATIONS = {'relu': nn.ReLU, 'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid, 'gelu': nn.GELU, 'leakyRelu': lambda: nn.LeakyReLU(0.01)}


def build(spec):
    act = ACTIVATIONS[spec.get('activation', 'relu')]
    if spec['kind'] == 'resnet':
        return ResNet(spec['depth'], 1, spec.get('width', 16))
    if spec['kind'] == 'lenet5':
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), act(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), act(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, 10))
    layers, width = [nn.Flatten()], 784
    for h in spec['hidden']:
        bn = spec.get('batchNorm', False)  # a Dense followed by batch norm has no bias
        layers += [nn.Linear(width, h, bias=not bn)] + ([nn.BatchNorm1d(h)] if bn else []) + [act()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def tensor(b64, shape):
    return torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype=np.float32).astype(np.float64)).reshape(shape)


def main():
    cases = json.load(open(sys.argv[1]))
    torch.set_default_dtype(torch.float64)
    images = torch.tensor(idx('train-images-idx3-ubyte.gz').astype(np.float32) / 255.0).to(torch.float64).reshape(-1, 1, 28, 28)
    labels = torch.tensor(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
    out = {'torch': torch.__version__}
    for name, c in cases.items():
        net = build(c['model'])
        params = list(net.parameters())
        buffers = [b for n, b in net.named_buffers() if not n.endswith('num_batches_tracked')]
        shapes = [t['shape'] for t in c['tensors']]
        assert len(params) == c['params'] and len(params) + len(buffers) == len(shapes), name
        with torch.no_grad():
            for t, b64, s in zip(params + buffers, c['weights'], shapes):
                assert list(t.shape) == s, (name, list(t.shape), s)
                t.copy_(tensor(b64, s))
        v = [tensor(b, p.shape) for b, p in zip(c['v'], params)]
        u = [tensor(b, p.shape) for b, p in zip(c['u'], params)]
        sub = torch.tensor(c['subset'])
        x, y = images[sub], labels[sub]
        net.train()  # batch statistics, as the training graph; running statistics are not read
        loss = nn.functional.cross_entropy(net(x), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)

        def hvp(vs):
            return torch.autograd.grad(sum((g * w).sum() for g, w in zip(grads, vs)), params, retain_graph=True)

        hv = hvp(v)
        entry = {
            'loss': float(loss),
            'vHv': float(sum((a * b).sum() for a, b in zip(v, hv))),
            'norms': [float(h.norm()) for h in hv],
            'projections': [float((a * b).sum()) for a, b in zip(u, hv)],
        }
        if c.get('eigenvalue'):
            g = torch.Generator().manual_seed(0)
            w = [torch.randn(p.shape, generator=g) for p in params]
            s = sum((t * t).sum() for t in w).sqrt()
            w = [t / s for t in w]
            lam = 0.0
            for _ in range(1000):
                h = hvp(w)
                new = float(sum((a * b).sum() for a, b in zip(w, h)))
                s = sum((t * t).sum() for t in h).sqrt()
                w = [t / s for t in h]
                done = abs(new - lam) <= 1e-10 * abs(new)
                lam = new
                if done:
                    break
            entry['top_eigenvalue'] = lam
        out[name] = entry
        print(name, {k: v for k, v in entry.items() if k in ('loss', 'vHv', 'top_eigenvalue')})
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
