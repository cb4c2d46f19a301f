#!/usr/bin/python3
"""PyTorch's time for the training steps `npm run perf` measures: forward + backward + Adam
at batch 128 for mlp [256,128], mlp [1024,1024] and the cnn, on 1 and 2 threads.

Reference only (never a runtime or CI dependency). Debian's torch needs OpenBLAS:
    apt-get install python3-torch libopenblas0-pthread
Run through `npm run perf:compare`, or by hand:
    OPENBLAS_NUM_THREADS=N /usr/bin/python3 bench/reference/pytorch_steps.py N
Prints one JSON object: {"threads": N, "torch": version, "results": {name: ms_per_step},
"adam_foreach": {name: bool}}. Each step is timed with torch.optim.Adam's per-tensor loop
(torch 1.13's default) and with foreach=True, and the faster counts: the peer is measured
in its strongest configuration (foreach took the MLP [256,128] from 2.6 to 2.1 ms here).
"""
import json
import sys
import time

import torch
from torch import nn

BATCH = 128


def mlp(hidden):
    layers, width = [nn.Flatten()], 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 7 * 7, 10))


def time_step(net, foreach, seconds=3.0):
    opt = torch.optim.Adam(net.parameters(), lr=1e-9, foreach=foreach)
    x = torch.rand(BATCH, 1, 28, 28)
    y = torch.randint(0, 10, (BATCH,))

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()

    for _ in range(10):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    return 1000 * (time.perf_counter() - start) / n


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    models = {
        'mlp [256,128]': (lambda: mlp([256, 128]), 3.0),
        'mlp [1024,1024]': (lambda: mlp([1024, 1024]), 3.0),
        'cnn': (cnn, 6.0),
    }
    results, foreach_used = {}, {}
    for name, (make, seconds) in models.items():
        times = {foreach: time_step(make(), foreach, seconds) for foreach in (False, True)}
        foreach_used[name] = min(times, key=times.get)
        results[name] = times[foreach_used[name]]
    print(json.dumps({'threads': threads, 'torch': torch.__version__, 'results': results, 'adam_foreach': foreach_used}))


if __name__ == '__main__':
    main()
