#!/usr/bin/python3
"""The default suite's grid as a user would write it in plain PyTorch, for `npm run perf:grid`.

Same grid as `npm run bench`: the embedded Fashion-MNIST subset, mlp [256, 128] (PyTorch's
default initialisation), the default suite's 7 optimizers at its learning rates, seeds 0-2,
10 epochs at batch 128; then on the 2,000 test images clean accuracy and loss, Gaussian noise
(sigma 0.1, 0.2, 0.3, 0.5), FGSM (eps 0.01, 0.03, 0.05, 0.1; the input gradient of the
training loss, computed once) and rotation (15, 30, 45, 60, 90 degrees, bilinear, zero fill),
and the per-example input-gradient norms. Cells run in W worker processes of one thread each
(multiprocessing, fork), in the strongest CPU configuration: OMP_WAIT_POLICY=PASSIVE,
OpenMP and OpenBLAS at one thread, foreach optimizers. Results go to a CSV like results.csv.

Reference only (never a runtime or CI dependency): Debian's python3-torch and libopenblas0-pthread.
    /usr/bin/python3 bench/reference/pytorch_grid.py [WORKERS] [OUT.csv] [EPOCHS] [CELLS]
(CELLS: e.g. sgd:0,adam:1, a part of the grid; EPOCHS: 10 unless given.)
Prints one JSON object: {"torch", "workers", "wall_seconds", "startup_seconds", "cell_seconds": {cell: s},
"setup_seconds", "train_seconds", "sweep_seconds": {cell: s}}: per cell, the model and optimizer's construction,
the training, and the evaluation sweep (clean, noise, FGSM, rotation, input-gradient norms).
"""
import os

# Before torch loads OpenMP and OpenBLAS: idle threads sleep instead of spinning, one thread each.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import csv  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

START = time.perf_counter()
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DATA = os.path.join(ROOT, 'data', 'fashion-mnist-subset')

OPTIMIZERS = {
    'sgd': lambda p: torch.optim.SGD(p, lr=0.1, foreach=True),
    'momentum': lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, foreach=True),
    'nesterov': lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, foreach=True),
    'rmsprop': lambda p: torch.optim.RMSprop(p, lr=1e-3, foreach=True),
    'adagrad': lambda p: torch.optim.Adagrad(p, lr=0.02, foreach=True),
    'adam': lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True),
    'adamw': lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=1e-2, foreach=True),
}
SEEDS = [0, 1, 2]
EPOCHS, BATCH, EVAL_BATCH = 10, 128, 500
NOISE = [0.1, 0.2, 0.3, 0.5]
FGSM = [0.01, 0.03, 0.05, 0.1]
ROTATION = [15, 30, 45, 60, 90]


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(raw[3])]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * raw[3]).reshape(dims)


def load():
    x = lambda n: torch.from_numpy(idx(n).astype(np.float32) / 255).unsqueeze(1)
    y = lambda n: torch.from_numpy(idx(n).astype(np.int64))
    return x('train-images-idx3-ubyte.gz'), y('train-labels-idx1-ubyte.gz'), x('t10k-images-idx3-ubyte.gz'), y('t10k-labels-idx1-ubyte.gz')


XTR, YTR, XTE, YTE = load()


def model():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def scores(net, x):
    correct, loss = 0, 0.0
    with torch.no_grad():
        for s in range(0, len(x), EVAL_BATCH):
            logits = net(x[s:s + EVAL_BATCH])
            y = YTE[s:s + EVAL_BATCH]
            correct += (logits.argmax(1) == y).sum().item()
            loss += F.cross_entropy(logits, y, reduction='sum').item()
    return correct / len(x), loss / len(x)


def rotate(x, degrees):
    t = math.radians(degrees)
    # Output pixel reads the source rotated back; align_corners=True puts pixel centres on the grid.
    theta = torch.tensor([[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0]], dtype=x.dtype).expand(len(x), 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=True)


def cell(args):
    name, seed = args
    torch.set_num_threads(1)
    start = time.perf_counter()
    torch.manual_seed(seed)
    net = model()
    opt = OPTIMIZERS[name](net.parameters())
    built = time.perf_counter()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(XTR))
        for s in range(0, len(perm), BATCH):
            i = perm[s:s + BATCH]
            opt.zero_grad()
            F.cross_entropy(net(XTR[i]), YTR[i]).backward()
            opt.step()
    trained = time.perf_counter()
    rows = []

    def add(perturbation, severity, x):
        accuracy, loss = scores(net, x)
        rows.extend([(name, seed, perturbation, severity, 'accuracy', accuracy), (name, seed, perturbation, severity, 'loss', loss)])

    add('clean', 0, XTE)
    for sigma in NOISE:
        add('gaussian_noise', sigma, (XTE + sigma * torch.randn_like(XTE)).clamp(0, 1))
    x = XTE.clone().requires_grad_(True)
    F.cross_entropy(net(x), YTE).backward()
    grad = x.grad.detach()
    for eps in FGSM:
        add('fgsm', eps, (XTE + eps * grad.sign()).clamp(0, 1))
    for deg in ROTATION:
        add('rotation', deg, rotate(XTE, deg))
    flat = grad.flatten(1) * len(XTE)  # per-example gradient of its own loss
    l2, l1 = flat.norm(dim=1), flat.abs().sum(dim=1)
    for stat, v in [('input_grad_l2_mean', l2.mean()), ('input_grad_l2_median', l2.median()), ('input_grad_l1_mean', l1.mean()), ('input_grad_l1_median', l1.median())]:
        rows.append((name, seed, 'clean', 0, stat, v.item()))
    end = time.perf_counter()
    return f'{name}/{seed}', end - start, {'setup': built - start, 'train': trained - built, 'sweep': end - trained}, rows


def main():
    global EPOCHS
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'reports', 'pytorch-grid.csv')
    if len(sys.argv) > 3:
        EPOCHS = int(sys.argv[3])
    loaded = time.perf_counter()
    cells = [(name, seed) for name in OPTIMIZERS for seed in SEEDS]
    if len(sys.argv) > 4:
        cells = [(c.split(':')[0], int(c.split(':')[1])) for c in sys.argv[4].split(',')]
    with multiprocessing.get_context('fork').Pool(workers) as pool:
        results = pool.map(cell, cells, chunksize=1)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['optimizer', 'seed', 'perturbation', 'severity', 'metric', 'value'])
        for _, _, _, rows in results:
            w.writerows(rows)
    print(json.dumps({
        'torch': torch.__version__,
        'workers': workers,
        'wall_seconds': time.perf_counter() - START,
        'startup_seconds': loaded - START,
        'cell_seconds': {k: s for k, s, _, _ in results},
        'setup_seconds': {k: t['setup'] for k, _, t, _ in results},
        'train_seconds': {k: t['train'] for k, _, t, _ in results},
        'sweep_seconds': {k: t['sweep'] for k, _, t, _ in results},
    }))


if __name__ == '__main__':
    main()
