#!/usr/bin/python3
"""ONNX import fixtures: small PyTorch classifiers exported with torch.onnx.export, and what
PyTorch computes with them, for test/model/onnx-import.test.ts and the evaluate command.

  mlp.onnx            Flatten, Linear, ReLU, Linear, Tanh, Linear; evaluation mode, opset 13, dynamic batch
  lenet.onnx          LeNet-5 with max pooling and x.view(x.size(0), -1); evaluation mode, opset 17, dynamic batch
  resnet-train.onnx   ResNet-8 (width 8, option-A shortcuts: strided slice and channel pad, batch norm) exported in
                      training mode, opset 15, fixed batch 16
  resnet-eval.onnx    the same weights in evaluation mode (batch norm folded into the convolutions), opset 17, dynamic
  gelu.onnx           convolutions with GELU (the Erf pattern), average pooling, LeakyReLU, global average pooling,
                      dropout and a final LogSoftmax; training mode, opset 13
  trained-lenet.onnx  LeNet-5 trained by PyTorch for 2 epochs on the subset with normalised inputs, evaluation mode

For each: PyTorch's logits, loss, parameter gradients (training mode; dropout with a fixed mask)
and input gradients (evaluation mode) on 16 fixed test images (each gradient's norm and 200
entries spread evenly over it), and for the models without dropout
the first 30 SGD losses (lr 0.05) on optrobust's seed-0 batch order (scripts/reference/export-orders.ts),
in float32 and in float64.
For trained-lenet: clean and FGSM (eps 0.1, in pixel space, through the normalisation) accuracy on the
2,000 test images, as PyTorch evaluates them.

Run by hand with Debian's PyTorch (never a runtime or CI dependency):
    node --import tsx scripts/reference/export-orders.ts /tmp/orders.json
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/reference/onnx_fixtures.py /tmp/orders.json
Writes test/fixtures/onnx/*.onnx and test/fixtures/onnx/reference.json.
"""
import copy
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from reference_data import ROOT, idx  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
MEAN, STD = 0.2860, 0.3530


class FixedDropout(nn.Module):
    """Dropout whose mask can be fixed (for paired gradients); exported as ONNX Dropout."""

    def __init__(self, p):
        super().__init__()
        self.p = p
        self.mask = None

    def forward(self, x):
        if self.mask is not None and self.training:
            return x * self.mask
        return F.dropout(x, self.p, self.training)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.f1, self.f2, self.f3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.pad = (cout - cin) // 2 if (stride != 1 or cin != cout) else None

    def forward(self, x):
        out = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        sc = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + sc)


class ResNet8(nn.Module):
    def __init__(self, w=8):
        super().__init__()
        self.c, self.b = nn.Conv2d(1, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w)
        self.blocks = nn.Sequential(Block(w, w, 1), Block(w, 2 * w, 2), Block(2 * w, 4 * w, 2))
        self.fc = nn.Linear(4 * w, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.b(self.c(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class GeluNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.drop = FixedDropout(0.25)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.avg_pool2d(F.gelu(self.c1(x)), 2)
        x = F.leaky_relu(self.c2(x), 0.2)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return F.log_softmax(self.fc(self.drop(x)), dim=1)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))


def export(net, name, opset, training, dynamic, batch=16):
    mode = torch.onnx.TrainingMode.TRAINING if training else torch.onnx.TrainingMode.EVAL
    kwargs = {'dynamic_axes': {'x': {0: 'N'}}} if dynamic else {}
    torch.onnx.export(net, torch.zeros(batch, 1, 28, 28), os.path.join(OUT, name), input_names=['x'], output_names=['logits'],
                      opset_version=opset, training=mode, do_constant_folding=not training, **kwargs)


SAMPLES = 200


def sample(t):
    """SAMPLES values spread evenly over a tensor (all of them when it is smaller): positions floor((k + 0.5) n / SAMPLES)."""
    v = t.detach().numpy().ravel()
    if v.size <= SAMPLES:
        return v.tolist()
    return [float(v[int((k + 0.5) * v.size / SAMPLES)]) for k in range(SAMPLES)]


def reference(net, x, y, order, xtr, ytr, mask=None, steps=30):
    """Logits and input gradient in evaluation mode; loss and parameter gradients in training mode; 30 SGD losses."""
    out = {}
    net.eval()
    xe = x.clone().requires_grad_(True)
    logits = net(xe)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    out['eval'] = {'logits': logits.detach().numpy().ravel().tolist(), 'loss': loss.item(), 'dx': sample(xe.grad), 'dx_norm': xe.grad.norm().item()}
    net.train()
    net.zero_grad()
    if mask is not None:
        net.drop.mask = mask
    state = {k: v.clone() for k, v in net.state_dict().items()}
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    out['train'] = {'loss': loss.item(), 'grads': {n: {'sample': sample(p.grad), 'norm': p.grad.norm().item()} for n, p in net.named_parameters()}}
    net.load_state_dict(state)  # the training-mode pass moved the running statistics
    if mask is None and order is not None:
        opt = torch.optim.SGD(net.parameters(), lr=0.05)
        losses = []
        for s in range(steps):
            i = torch.tensor(order[s * 128:(s + 1) * 128])
            opt.zero_grad()
            l = F.cross_entropy(net(xtr[i]), ytr[i])
            l.backward()
            opt.step()
            losses.append(l.item())
        out['sgd_losses'] = losses
        net.load_state_dict(state)
        # The same steps in float64: how far float32 roundoff alone moves the losses (a residual
        # network with batch norm amplifies it step by step).
        net64 = copy.deepcopy(net).double()
        opt = torch.optim.SGD(net64.parameters(), lr=0.05)
        losses = []
        for s in range(steps):
            i = torch.tensor(order[s * 128:(s + 1) * 128])
            opt.zero_grad()
            l = F.cross_entropy(net64(xtr[i].double()), ytr[i])
            l.backward()
            opt.step()
            losses.append(l.item())
        out['sgd_losses_float64'] = losses
    if mask is not None:
        net.drop.mask = None
    return out


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    order = json.load(open(sys.argv[1]))['seed0']
    to_tensor = lambda a: torch.from_numpy(a.astype(np.float32) / 255).unsqueeze(1)
    xtr, ytr = to_tensor(idx('train-images-idx3-ubyte.gz')), torch.from_numpy(idx('train-labels-idx1-ubyte.gz').astype(np.int64))
    xte, yte = to_tensor(idx('t10k-images-idx3-ubyte.gz')), torch.from_numpy(idx('t10k-labels-idx1-ubyte.gz').astype(np.int64))
    x, y = xte[:16], yte[:16]
    out = {'torch': torch.__version__, 'images': 'the first 16 test images of data/fashion-mnist-subset'}
    torch.manual_seed(0)

    net = mlp()
    export(net, 'mlp.onnx', 13, False, True)
    out['mlp'] = reference(net, x, y, order, xtr, ytr)

    net = LeNet()
    export(net, 'lenet.onnx', 17, False, True)
    out['lenet'] = reference(net, x, y, order, xtr, ytr)

    net = ResNet8()
    with torch.no_grad():  # running statistics away from their initial values, so evaluation mode is not trivial
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    export(net, 'resnet-train.onnx', 15, True, False)
    export(net, 'resnet-eval.onnx', 17, False, True)
    out['resnet'] = reference(net, x, y, order, xtr, ytr)

    net = GeluNet()
    mask = (torch.rand(16, 16, generator=torch.Generator().manual_seed(7)) >= 0.25).float() / 0.75
    export(net, 'gelu.onnx', 13, True, True)
    out['gelu'] = reference(net, x, y, None, xtr, ytr, mask=mask)
    out['gelu']['mask'] = mask.numpy().ravel().tolist()

    # A LeNet trained by PyTorch on normalised inputs, evaluated clean and under FGSM in pixel space.
    torch.manual_seed(1)
    net = LeNet()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    norm = lambda t: (t - MEAN) / STD
    for epoch in range(2):
        perm = torch.randperm(len(xtr))
        for s in range(0, len(perm), 128):
            i = perm[s:s + 128]
            opt.zero_grad()
            F.cross_entropy(net(norm(xtr[i])), ytr[i]).backward()
            opt.step()
    net.eval()
    export(net, 'trained-lenet.onnx', 17, False, True)
    with torch.no_grad():
        clean = (net(norm(xte)).argmax(1) == yte).float().mean().item()
    xa = xte.clone().requires_grad_(True)
    F.cross_entropy(net(norm(xa)), yte).backward()
    adv = (xte + 0.1 * xa.grad.sign()).clamp(0, 1)
    with torch.no_grad():
        fgsm = (net(norm(adv)).argmax(1) == yte).float().mean().item()
    out['trained_lenet'] = {'mean': MEAN, 'std': STD, 'clean_accuracy': clean, 'fgsm_eps': 0.1, 'fgsm_accuracy': fgsm}
    print('trained lenet: clean', clean, 'fgsm 0.1', fgsm)

    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(out, f)
        f.write('\n')


if __name__ == '__main__':
    main()
