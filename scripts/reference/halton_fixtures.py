# Reference points of the scrambled Halton sequence from scipy.stats.qmc (Debian's
# python3-scipy), for test/tune/halton.test.ts: the unscrambled sequence, and the scrambled
# one together with the digit permutations scipy drew (reproduced here from its own code:
# one fresh numpy Generator per dimension, `count` shuffles of arange(base)), so the test can
# feed the same permutations to optrobust's implementation and compare every point exactly.
# Run with /usr/bin/python3.
import copy, json, math, os
import numpy as np
import scipy
from scipy.stats import qmc

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
D, N, SEED = 6, 64, 20261207
bases = [2, 3, 5, 7, 11, 13][:D]

plain = qmc.Halton(d=D, scramble=False).random(N)
scrambled = qmc.Halton(d=D, scramble=True, seed=SEED).random(N)

perms = []
for b in bases:
    rng = np.random.default_rng(copy.deepcopy(SEED))
    count = math.ceil(54 / math.log2(b)) - 1
    p = np.repeat(np.arange(b)[None], count, axis=0)
    for row in p:
        rng.shuffle(row)
    perms.append(p.tolist())

# The permutations reproduce scipy's points (else the fixture would test nothing).
check = np.zeros((N, D))
for k, b in enumerate(bases):
    for i in range(N):
        q, scale, v = i, 1.0 / b, 0.0
        for row in perms[k]:
            v += row[q % b] * scale
            q //= b
            scale /= b
        check[i, k] = v
assert np.array_equal(check, scrambled), 'reproduced permutations do not give scipy points'

out = {
    'scipy': scipy.__version__,
    'bases': bases,
    'plain': plain.tolist(),
    'scrambled': {'seed': SEED, 'permutations': perms, 'points': scrambled.tolist()},
}
with open(os.path.join(ROOT, 'test', 'fixtures', 'halton.json'), 'w') as f:
    json.dump(out, f)
print('wrote test/fixtures/halton.json')
