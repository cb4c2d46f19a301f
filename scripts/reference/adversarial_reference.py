#!/usr/bin/python3
"""PyTorch reference for optrobust's adversarial training regime (FGSM, no random start).

From optrobust's initial weights and batch order (scripts/reference/export-adversarial.ts),
30 steps of: x_adv = clamp(x + eps * sign(grad_x CE(net(x), y)), 0, 1) with the model in
evaluation mode, then one SGD step on CE(net(x_adv), y). Run in float64 (the reference)
and float32 (PyTorch's own rounding, the tolerance's floor). Reference only:
    node --import tsx scripts/reference/export-adversarial.ts /tmp/adv.json
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/adversarial_reference.py /tmp/adv.json
Writes test/fixtures/adversarial-reference.json.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
from torch import nn

from reference_data import ROOT, idx  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'adversarial-reference.json')


def run(cfg, dtype):
    x = torch.tensor(idx('train-images-idx3-ubyte.gz').astype(np.float32) / 255.0).reshape(-1, 1, 28, 28).to(dtype)
    y = torch.tensor(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
    hidden = cfg['model']['hidden'][0]
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10)).to(dtype)
    with torch.no_grad():
        for p, b64 in zip(net.parameters(), cfg['init']):
            p.copy_(torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype=np.float32).copy()).reshape(p.shape).to(dtype))
    opt = torch.optim.SGD(net.parameters(), lr=cfg['lr'])
    order = torch.tensor(cfg['order'])
    losses = []
    for step in range(cfg['steps']):
        i = order[step * cfg['batchSize']:(step + 1) * cfg['batchSize']]
        xb, yb = x[i], y[i]
        net.eval()
        xr = xb.clone().requires_grad_(True)
        nn.functional.cross_entropy(net(xr), yb).backward()
        xa = (xb + cfg['eps'] * xr.grad.sign()).clamp(0, 1).detach()
        net.train()
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xa), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    out = {'config': {k: v for k, v in cfg.items() if k not in ('init', 'order')}, 'torch': torch.__version__,
           'losses_float64': run(cfg, torch.float64), 'losses_float32': run(cfg, torch.float32)}
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
