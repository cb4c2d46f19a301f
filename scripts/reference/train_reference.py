#!/usr/bin/python3
"""PyTorch reference for optrobust's end-to-end training.

Same configurations as optrobust on the same embedded Fashion-MNIST subset
(data/fashion-mnist-subset): batch 128, 5 epochs, plain SGD (lr 0.1 for mlp [256, 128],
0.05 for the cnn), mean cross-entropy, seeds 0, 1, 2. Two references per model:

  independent  PyTorch's own seeded init and DataLoader shuffling: what a PyTorch user
               gets. Across seeds this must match optrobust's accuracy *distribution*.
  paired       optrobust's initial weights and batch orders (exported by
               scripts/reference/export-paired.ts): per-step losses and per-seed
               accuracies must match optrobust's closely.

Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    apt-get install python3-torch libopenblas0-pthread
    node --import tsx scripts/reference/export-paired.ts /tmp/paired.json
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/train_reference.py /tmp/paired.json [--seeds N]
Writes test/fixtures/train-reference.json.
"""
import argparse
import base64
import json
import os
import time

import numpy as np
import torch
from torch import nn

from reference_data import ROOT, idx  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'train-reference.json')
LR = {'mlp': 0.1, 'cnn': 0.05}
EPOCHS, BATCH = 5, 128
LOGGED_STEPS = 100  # per-step losses kept for the paired comparison (seed 0)


def model(kind):
    if kind == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 7 * 7, 10))


def train(net, kind, data, orders):
    xtr, ytr, xte, yte = data
    opt = torch.optim.SGD(net.parameters(), lr=LR[kind])
    losses = []
    for order in orders:
        for s in range(0, len(order), BATCH):
            i = order[s:s + BATCH]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xtr[i]), ytr[i])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    with torch.no_grad():
        return (net(xte).argmax(1) == yte).float().mean().item(), losses


def independent(kind, seed, data):
    # Exactly what a PyTorch user writes: seeded init, DataLoader(shuffle=True).
    xtr, ytr, xte, yte = data
    torch.manual_seed(seed)
    net = model(kind)
    opt = torch.optim.SGD(net.parameters(), lr=LR[kind])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr), batch_size=BATCH, shuffle=True)
    for _ in range(EPOCHS):
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(net(xb), yb).backward()
            opt.step()
    with torch.no_grad():
        return (net(xte).argmax(1) == yte).float().mean().item()


def paired(kind, entry, data):
    net = model(kind)
    with torch.no_grad():
        for p, b64 in zip(net.parameters(), entry['init']):
            p.copy_(torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype=np.float32).copy()).reshape(p.shape))
    return train(net, kind, data, [torch.tensor(o) for o in entry['orders']])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('paired', help='JSON written by scripts/reference/export-paired.ts')
    ap.add_argument('--seeds', type=int, default=3, help='independent seeds 0..N-1; 0 keeps the independent results already in the fixture')
    args = ap.parse_args()
    torch.set_num_threads(1)
    to_tensor = lambda a: torch.from_numpy(a.astype(np.float32) / 255).unsqueeze(1)
    data = (to_tensor(idx('train-images-idx3-ubyte.gz')), torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64)),
            to_tensor(idx('t10k-images-idx3-ubyte.gz')), torch.from_numpy(idx('t10k-labels-idx1-ubyte.gz').astype(np.int64)))
    exported = json.load(open(args.paired))
    previous = json.load(open(OUT)) if os.path.exists(OUT) else {}
    results = {'torch': torch.__version__, 'epochs': EPOCHS, 'batch': BATCH}
    for kind, entries in exported.items():
        start = time.time()
        if args.seeds > 0:
            accs = [independent(kind, seed, data) for seed in range(args.seeds)]
        else:
            accs = previous[kind]['independent']['accuracy']
        pair = [paired(kind, e, data) for e in entries]
        results[kind] = {
            'lr': LR[kind],
            'independent': {'seeds': list(range(args.seeds)), 'accuracy': accs},
            'paired': {'seeds': [e['seed'] for e in entries], 'accuracy': [a for a, _ in pair],
                       'losses_seed0': pair[0][1][:LOGGED_STEPS]},
        }
        print(f'{kind}: independent mean {np.mean(accs[:3]):.4f} (seeds 0-2), {np.mean(accs):.4f} ({len(accs)} seeds, std {np.std(accs, ddof=1):.4f}); '
              f'paired {[round(a, 4) for a, _ in pair]} ({time.time() - start:.0f} s)')
    with open(OUT, 'w') as f:
        json.dump(results, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
