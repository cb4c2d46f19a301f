#!/usr/bin/python3
"""The peer of bench/attacks.ts: AutoAttack's own code (scripts/reference/autoattack/, unchanged)
on the same model and test images, each attack alone and the standard ensemble, timed on one
thread (torch.set_num_threads(1), run with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=1).
    /usr/bin/python3 bench/reference/pytorch_attacks.py MODEL.json
MODEL.json names the attacks (AutoAttack's names, or 'standard') and optionally the norms.
Prints one JSON line per attack: {"attack", "norm", "seconds", "accuracy"}.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts', 'reference'))
from autoattack import AutoAttack  # noqa: E402
from autoattack_reference import EPS, model, standard_counts, test_images  # noqa: E402


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    n = cfg['count']
    x, y = test_images(n)
    net = model(cfg)
    for norm in cfg.get('norms', ['Linf', 'L2']):
        for name in cfg['attacks']:
            attacks = None if name == 'standard' else [name]
            aa = AutoAttack(net, norm=norm, eps=EPS[norm], version='custom' if attacks else 'standard',
                            attacks_to_run=attacks or [], seed=0, verbose=False, device='cpu')
            if attacks:
                standard_counts(aa)
            started = time.perf_counter()
            adv = aa.run_standard_evaluation(x, y, bs=250)
            seconds = time.perf_counter() - started
            with torch.no_grad():
                acc = (net(adv).argmax(1) == y).float().mean().item()
            print(json.dumps({'attack': name, 'norm': norm, 'seconds': seconds, 'accuracy': acc}), flush=True)


if __name__ == '__main__':
    main()
