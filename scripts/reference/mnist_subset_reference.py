#!/usr/bin/python3
"""PyTorch's run of the recipe test/data/mnist-subset.test.ts checks optrobust against: the
embedded MNIST subset (data/mnist-subset), MLP [256, 128] with ReLU, Adam lr 1e-3, batch 128,
2 epochs, mean cross-entropy; PyTorch's own seeded initialisation and shuffling, seeds 0-9.
Prints each seed's test accuracy and writes test/fixtures/mnist-subset-reference.json, from
which the test takes its bound.

Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    apt-get install python3-torch libopenblas0-pthread
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/mnist_subset_reference.py
"""
import json
import os

import numpy as np
import torch
from torch import nn

import reference_data
from reference_data import ROOT

reference_data.DATA = os.path.join(ROOT, 'data', 'mnist-subset')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'mnist-subset-reference.json')
SEEDS = range(10)


def split(prefix):
    x = reference_data.idx(f'{prefix}-images-idx3-ubyte.gz').astype(np.float32) / 255
    y = reference_data.idx(f'{prefix}-labels-idx1-ubyte.gz').astype(np.int64)
    return torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(y)


def main():
    torch.set_num_threads(1)
    xtr, ytr = split('train')
    xte, yte = split('t10k')
    accuracies = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        for _ in range(2):
            order = torch.randperm(len(ytr))
            for i in range(0, len(ytr), 128):
                b = order[i:i + 128]
                opt.zero_grad()
                nn.functional.cross_entropy(net(xtr[b]), ytr[b]).backward()
                opt.step()
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        accuracies.append(acc)
        print(f'seed {seed}: {100 * acc:.2f}%')
    with open(OUT, 'w') as f:
        json.dump({'recipe': 'mlp [256, 128], Adam lr 1e-3, batch 128, 2 epochs', 'torch': torch.__version__, 'seeds': list(SEEDS), 'test_count': len(yte), 'accuracy': accuracies}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
