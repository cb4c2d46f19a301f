#!/usr/bin/python3
"""AutoAttack's own code as the reference for optrobust's apgd_t, apgd_dlr, fab_t, square and
autoattack (src/measure/perturb/{apgd,fab,square,autoattack}.ts), L-inf and L2.

scripts/reference/autoattack/ is AutoAttack (github.com/fra31/auto-attack, commit a392200,
MIT licence, its LICENSE beside it) unchanged. On the model of test/helpers/attacked-model.ts
(exported by scripts/reference/export-attacked.ts) and its 300 test images, this records:
  - each logit loss's input gradient (AutoAttack's dlr_loss, dlr_loss_targeted with the
    runner-up as target, FAB's targeted difference z_t - z_y) on 10 images, by autograd;
  - robust accuracy under each attack and the standard ensemble, as AutoAttack's
    run_standard_evaluation computes it, over several seeds (the random attacks' spread), and
    for FAB-T, which draws nothing, which examples it leaves robust.
    OPENBLAS_NUM_THREADS=1 node --import tsx scripts/reference/export-attacked.ts /tmp/attacked.json
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/autoattack_reference.py /tmp/attacked.json
Writes test/fixtures/autoattack-reference.json.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
from torch import nn

from reference_data import ROOT, idx  # beside this script
from autoattack import AutoAttack  # the vendored package beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'autoattack-reference.json')
EPS = {'Linf': 0.05, 'L2': 1.0}
SEEDS = [0, 1, 2, 3, 4]


def model(cfg):
    hidden = cfg['model']['hidden'][0]
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    with torch.no_grad():
        for p, b64 in zip(net.parameters(), cfg['weights']):
            p.copy_(torch.from_numpy(np.frombuffer(base64.b64decode(b64), dtype=np.float32).copy()).reshape(p.shape))
    return net.eval()


def test_images(n):
    """The subset's first n test images in [0, 1] as [n, 1, 28, 28], and their labels."""
    x = torch.tensor(idx('t10k-images-idx3-ubyte.gz')[:n].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return x, torch.tensor(idx('t10k-labels-idx1-ubyte.gz')[:n].astype(np.int64))


def standard_counts(aa):
    """The custom version keeps the constructors' defaults; set the standard version's counts."""
    aa.apgd.n_restarts = 1
    aa.apgd_targeted.n_target_classes = 9
    aa.apgd_targeted.n_restarts = 1
    aa.fab.n_restarts = 1
    aa.fab.n_target_classes = 9
    aa.square.n_queries = 5000


def gradients(net, x, y):
    out = {}
    z = net(x)
    order = z.sort(dim=1)[1]
    target = order[:, -2]
    u = torch.arange(x.shape[0])

    def dlr(z):
        zs, ind = z.sort(dim=1)
        i = (ind[:, -1] == y).float()
        return -(z[u, y] - zs[:, -2] * i - zs[:, -1] * (1. - i)) / (zs[:, -1] - zs[:, -3] + 1e-12)

    def dlr_targeted(z):
        zs, _ = z.sort(dim=1)
        return -(z[u, y] - z[u, target]) / (zs[:, -1] - .5 * (zs[:, -3] + zs[:, -4]) + 1e-12)

    def margin(z):
        return -(z[u, y] - z[u, target])

    for name, f in [('dlr', dlr), ('dlr_targeted', dlr_targeted), ('margin', margin)]:
        xr = x.clone().requires_grad_(True)
        loss = f(net(xr))
        grad, = torch.autograd.grad(loss.sum(), [xr])
        out[name] = {'loss': loss.tolist(), 'dx': [float('%.8g' % v) for v in grad.reshape(-1).tolist()]}  # float32's digits
    out['target'] = target.tolist()
    return out


def robust(net, x, y, norm, attacks, seed):
    aa = AutoAttack(net, norm=norm, eps=EPS[norm], version='custom' if attacks else 'standard',
                    attacks_to_run=attacks or [], seed=seed, verbose=False, device='cpu')
    if attacks:
        standard_counts(aa)
    adv = aa.run_standard_evaluation(x, y, bs=250)
    with torch.no_grad():
        return (net(adv).argmax(1) == y).int().tolist()


def main():
    cfg = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    n = cfg['count']
    x, y = test_images(n)
    net = model(cfg)
    with torch.no_grad():
        clean = (net(x).argmax(1) == y).float().mean().item()
    out = {'config': {'model': cfg['model'], 'count': n, 'eps': EPS, 'seeds': SEEDS}, 'torch': torch.__version__,
           'clean': clean, 'gradients': gradients(net, x[:10], y[:10]), 'accuracy': {}}
    for norm in ['Linf', 'L2']:
        acc = {}
        for name, attacks, seeds in [('apgd-ce', ['apgd-ce'], SEEDS), ('apgd-t', ['apgd-t'], SEEDS),
                                     ('fab-t', ['fab-t'], [0]), ('square', ['square'], SEEDS),
                                     ('apgd-dlr', ['apgd-dlr'], SEEDS), ('standard', None, SEEDS[:3])]:
            flags = [robust(net, x, y, norm, attacks, s) for s in seeds]
            acc[name] = [sum(f) / n for f in flags]
            if name == 'fab-t':  # deterministic (one restart, no random start): which examples survive
                acc['fab-t-robust'] = flags[0]
            print(norm, name, acc[name], flush=True)
        out['accuracy'][norm] = acc
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
    print('wrote', OUT)


if __name__ == '__main__':
    main()
