#!/usr/bin/python3
"""PyTorch's time for the training steps `npm run perf` measures: forward + backward + Adam
at batch 128 for mlp [256,128], mlp [1024,1024], the cnn (1x28x28) and ResNet-20 (3x32x32,
He et al.'s CIFAR network with option-A shortcuts, as optrobust's `resnet` builds it), on 1
and 2 threads.

Reference only (never a runtime or CI dependency). Debian's torch needs OpenBLAS:
    apt-get install python3-torch libopenblas0-pthread
Run through `npm run perf:compare`, or by hand in the strongest CPU configuration:
    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=N OPENBLAS_NUM_THREADS=N /usr/bin/python3 bench/reference/pytorch_steps.py N
(PASSIVE: idle OpenMP threads sleep instead of spinning against the working one.)
Prints one JSON object: {"threads", "torch", "omp_wait_policy", "results": {name: ms_per_step},
"config": {name: the configuration that was fastest}}. Each step is timed with
torch.optim.Adam's per-tensor loop and with foreach=True, and the convolutional networks also in
channels_last;
the fastest counts, so the peer is measured in its strongest configuration.
"""
import json
import os
import sys
import time

import torch
from torch import nn

# The ResNet that the architecture fixtures are computed with (option-A shortcuts, as
# optrobust's `resnet` builds it), so the peer times the model the tests pin.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts', 'reference'))
from architectures_reference import ResNet  # noqa: E402

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


def time_step(net, foreach, channels_last=False, seconds=3.0, shape=(1, 28, 28)):
    opt = torch.optim.Adam(net.parameters(), lr=1e-9, foreach=foreach)
    x = torch.rand(BATCH, *shape)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
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
        'mlp [256,128]': (lambda: mlp([256, 128]), 3.0, (1, 28, 28)),
        'mlp [1024,1024]': (lambda: mlp([1024, 1024]), 3.0, (1, 28, 28)),
        'cnn': (cnn, 6.0, (1, 28, 28)),
        'resnet-20 (3x32x32)': (lambda: ResNet(20, 3), 10.0, (3, 32, 32)),
    }
    only = os.environ.get('PERF_ONLY')
    results, config = {}, {}
    for name, (make, seconds, shape) in models.items():
        if only and only not in name:
            continue
        # Every configuration a careful user would try; the fastest counts.
        layouts = (False, True) if name.startswith(('cnn', 'resnet')) else (False,)
        times = {(f, cl): time_step(make(), f, cl, seconds, shape) for f in (False, True) for cl in layouts}
        best = min(times, key=times.get)
        results[name] = times[best]
        config[name] = ('foreach Adam' if best[0] else 'per-tensor Adam') + (', channels_last' if best[1] else '')
    print(json.dumps({'threads': threads, 'torch': torch.__version__, 'omp_wait_policy': os.environ.get('OMP_WAIT_POLICY'), 'results': results, 'config': config}))


if __name__ == '__main__':
    main()
