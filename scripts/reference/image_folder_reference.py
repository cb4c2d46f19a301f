#!/usr/bin/python3
"""Image-folder fixtures: a small colour folder in torchvision's ImageFolder layout, what
torchvision decodes from it, and a PyTorch-trained classifier with PyTorch's own scores on it,
for test/data/image-folder.test.ts.

The folder (test/fixtures/image-folder/root): three classes whose images are noisy colour
patterns (a bright stripe whose orientation and colour depend on the class), drawn with a
fixed NumPy seed, each split holding
  - 32x32 RGB PNGs, 64x64 RGB PNGs (resized to 32x32), 48x40 RGB PNGs (resized and
    centre-cropped), an RGBA PNG, a palette PNG and a grayscale PNG (all converted to RGB),
  - 32x32 and 64x64 JPEGs (quality 90, 4:2:0 chroma subsampling: PIL's default),
  - a README.md and a .DS_Store (not images: skipped).

References (test/fixtures/image-folder/reference.npz):
  x_{train,test}_rgb   torchvision ImageFolder(root/split, Compose([Resize(32), CenterCrop(32), ToTensor()])),
                       as uint8 (x * 255, rounded: ToTensor divides bytes by 255)
  x_{train,test}_grey  the same with Grayscale() first (PIL's convert('L'))
  y_{train,test}       the labels; classes: the class names; jpeg_{train,test}: which examples are JPEGs
  logits_test          the trained model's logits on x_test_rgb (float32, as PyTorch computes them)
test/fixtures/image-folder/small-cnn.onnx: a small CNN trained by PyTorch on the train split,
evaluation mode, opset 13.

Run by hand with Debian's PyTorch, torchvision and PIL (never a runtime or CI dependency):
    OMP_NUM_THREADS=1 /usr/bin/python3 scripts/reference/image_folder_reference.py
"""
import os
import shutil

import numpy as np
import torch
from PIL import Image
from torch import nn
from torchvision import datasets, transforms

from reference_data import ROOT  # beside this script

OUT = os.path.join(ROOT, 'test', 'fixtures', 'image-folder')
CLASSES = ['cat', 'dog', 'zebra']


def pattern(rng, label, h, w):
    """A noisy image of class `label`: a stripe whose orientation and colour tell the class."""
    img = rng.integers(0, 90, size=(h, w, 3)).astype(np.float64)
    colour = [np.array([230, 60, 40]), np.array([40, 200, 70]), np.array([60, 80, 240])][label]
    if label == 0:
        img[h // 3:2 * h // 3, :, :] += colour * 0.3
    elif label == 1:
        img[:, w // 3:2 * w // 3, :] += colour * 0.3
    else:
        for i in range(min(h, w)):
            img[i, max(0, i - 3):i + 3, :] += colour * 0.3
    return np.clip(img + rng.normal(0, 40, size=img.shape), 0, 255).astype(np.uint8)


def write_split(rng, split, per_class):
    kinds = ['png32', 'png64', 'png48x40', 'rgba', 'palette', 'grey', 'jpg32', 'jpg64']
    for label, cls in enumerate(CLASSES):
        d = os.path.join(OUT, 'root', split, cls)
        os.makedirs(d)
        for i in range(per_class):
            kind = kinds[(i + label) % len(kinds)]
            h, w = {'png64': (64, 64), 'jpg64': (64, 64), 'png48x40': (40, 48)}.get(kind, (32, 32))
            a = pattern(rng, label, h, w)
            name = os.path.join(d, f'{i:03d}')
            if kind.startswith('jpg'):
                Image.fromarray(a, 'RGB').save(name + '.jpg', quality=90)
            elif kind == 'rgba':
                alpha = rng.integers(0, 256, size=(h, w, 1)).astype(np.uint8)
                Image.fromarray(np.concatenate([a, alpha], axis=2), 'RGBA').save(name + '.png')
            elif kind == 'palette':
                Image.fromarray(a, 'RGB').convert('P').save(name + '.png')
            elif kind == 'grey':
                Image.fromarray(a, 'RGB').convert('L').save(name + '.png')
            else:
                Image.fromarray(a, 'RGB').save(name + '.png')
        if label == 0:
            with open(os.path.join(d, 'README.md'), 'w') as f:
                f.write('not an image\n')
            with open(os.path.join(d, '.DS_Store'), 'wb') as f:
                f.write(b'\x00\x00\x00\x01Bud1')


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 8 * 8, 3)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.c1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.c2(x)), 2)
        return self.fc(x.reshape(x.shape[0], -1))


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    rng = np.random.default_rng(20261206)
    write_split(rng, 'train', 24)
    write_split(rng, 'test', 16)
    rgb = transforms.Compose([transforms.Resize(32), transforms.CenterCrop(32), transforms.ToTensor()])
    grey = transforms.Compose([transforms.Grayscale(), transforms.Resize(32), transforms.CenterCrop(32), transforms.ToTensor()])
    ref = {}
    for split in ['train', 'test']:
        for name, t in [('rgb', rgb), ('grey', grey)]:
            ds = datasets.ImageFolder(os.path.join(OUT, 'root', split), transform=t)
            x = torch.stack([ds[i][0] for i in range(len(ds))])
            ref[f'x_{split}_{name}'] = np.round(x.numpy() * 255).astype(np.uint8)
            assert np.array_equal(ref[f'x_{split}_{name}'].astype(np.float32) / 255, x.numpy()), 'ToTensor is bytes / 255'
        ref[f'y_{split}'] = np.array(ds.targets, dtype=np.int64)
        ref[f'jpeg_{split}'] = np.array([p.endswith('.jpg') for p, _ in ds.samples])
        assert ds.classes == CLASSES
    ref['classes'] = np.array(CLASSES)

    torch.manual_seed(0)
    model = SmallCNN()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x_train = torch.from_numpy(ref['x_train_rgb'].astype(np.float32) / 255)
    y_train = torch.from_numpy(ref['y_train'])
    for _ in range(15):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x_train), y_train).backward()
        opt.step()
    model.eval()
    x_test = torch.from_numpy(ref['x_test_rgb'].astype(np.float32) / 255)
    with torch.no_grad():
        logits = model(x_test)
    ref['logits_test'] = logits.numpy()
    accuracy = (logits.argmax(1).numpy() == ref['y_test']).mean()
    torch.onnx.export(model, x_test[:1], os.path.join(OUT, 'small-cnn.onnx'), opset_version=13,
                      input_names=['input'], output_names=['logits'], dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    np.savez_compressed(os.path.join(OUT, 'reference.npz'), **ref)
    print(f'wrote {OUT}: {len(ref["y_train"])} train / {len(ref["y_test"])} test images; PyTorch clean accuracy {accuracy:.4f}')


if __name__ == '__main__':
    main()
