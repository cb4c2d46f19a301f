// Every random number in optrobust comes from here: seedrandom streams named by
// (seed, purpose), so that adding a consumer never shifts another's numbers.
import seedrandom from 'seedrandom';

/** Uniform in [0, 1), 32 random bits per draw (Alea's native output; ample for init, shuffles and noise). */
export type Rng = () => number;

export function createRng(seed: number, purpose: string): Rng {
  return seedrandom.alea(`optrobust:${seed}:${purpose}`);
}

/** Fisher-Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
