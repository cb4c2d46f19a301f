#!/usr/bin/python3
"""PyTorch reference for src/measure/metrics/sharpness.ts: the exact Hessian of the mean cross-entropy
over the exported subset, at the exported weights, through autograd (double backward) in
float64: its top eigenvalue by power iteration to convergence, and its exact trace (the sum
of e_i^T H e_i over every parameter). Reference only:
    node --import tsx scripts/reference/export-sharpness.ts /tmp/sharp.json
    /usr/bin/python3 scripts/reference/sharpness_reference.py /tmp/sharp.json
Writes test/fixtures/sharpness-reference.json.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
from torch import nn

from reference_data import ROOT, idx  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'sharpness-reference.json')


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.set_default_dtype(torch.float64)
    sub = torch.tensor(cfg['subset'])
    x = torch.tensor(idx('train-images-idx3-ubyte.gz').astype(np.float32) / 255.0).to(torch.float64).reshape(-1, 784)[sub]
    y = torch.tensor(idx('train-labels-idx1-ubyte.gz').astype(np.int64))[sub]
    hidden = cfg['model']['hidden'][0]
    net = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    with torch.no_grad():
        for p, b64 in zip(net.parameters(), cfg['weights']):
            p.copy_(torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype=np.float32).astype(np.float64)).reshape(p.shape))
    params = list(net.parameters())
    loss = nn.functional.cross_entropy(net(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])

    def hvp(v):
        return torch.cat([h.reshape(-1) for h in torch.autograd.grad(flat @ v, params, retain_graph=True)])

    n = flat.numel()
    g = torch.Generator().manual_seed(0)
    v = torch.randn(n, generator=g)
    v /= v.norm()
    lam = 0.0
    for _ in range(500):
        hv = hvp(v)
        new = float(v @ hv)
        v = hv / hv.norm()
        if abs(new - lam) <= 1e-10 * abs(new):
            lam = new
            break
        lam = new
    trace = 0.0
    for i in range(n):
        e = torch.zeros(n)
        e[i] = 1.0
        trace += float(hvp(e)[i])
    with open(OUT, 'w') as f:
        json.dump({'config': {k: v for k, v in cfg.items() if k not in ('weights', 'subset')}, 'torch': torch.__version__,
                   'top_eigenvalue': lam, 'trace': trace, 'parameters': n}, f, indent=1)
    print('top eigenvalue', lam, 'trace', trace, 'parameters', n)


if __name__ == '__main__':
    main()
