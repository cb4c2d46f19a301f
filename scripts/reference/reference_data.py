"""What every reference script reads: the repository root and the embedded Fashion-MNIST
subset as IDX arrays. Imported by the scripts beside it (run as scripts, their own folder is
on sys.path)."""
import gzip
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DATA = os.path.join(ROOT, 'data', 'fashion-mnist-subset')


def idx(name):
    """An IDX file of the subset (gzipped) as a uint8 array of its declared shape."""
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)
