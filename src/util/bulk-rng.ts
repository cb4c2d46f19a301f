// A fast generator for bulk draws (dropout masks, noise images): xoshiro128** (Blackman
// and Vigna 2018), 32-bit output from 128 bits of state, seeded from the named Alea stream
// (seed, purpose). Draw k of a stream is a pure function of (seed, purpose, k), as every
// random number in optrobust is; it is some 5x faster than drawing from Alea one by one.
import { createRng } from './rng.ts';

const TWO_32 = 4294967296;

export class BulkRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, purpose: string) {
    const alea = createRng(seed, purpose);
    const word = () => (alea() * TWO_32) >>> 0;
    this.s0 = word();
    this.s1 = word();
    this.s2 = word();
    this.s3 = word() | 1; // never the all-zero state
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    let { s0, s1, s2, s3 } = this;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    this.save(s0, s1, s2, s3);
    return r;
  }

  private save(s0: number, s1: number, s2: number, s3: number): void {
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Fills `out` with uniforms in [0, 1), 32 bits each. */
  fillUniform(out: Float32Array | Float64Array): void {
    let { s0, s1, s2, s3 } = this;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = r / TWO_32;
    }
    this.save(s0, s1, s2, s3);
  }

  /**
   * Fills `out` with standard normals by Box-Muller, both values of each pair used:
   * z₀ = √(−2 ln u₁)·cos 2πu₂, z₁ = √(−2 ln u₁)·sin 2πu₂, with u₁ in (0, 1].
   */
  fillNormal(out: Float32Array | Float64Array): void {
    const u = new Float64Array(out.length + (out.length % 2));
    this.fillUniform(u);
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - u[i]!));
      const t = 2 * Math.PI * u[i + 1]!;
      out[i] = r * Math.cos(t);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
    }
  }

  /** Fills `out` with a dropout mask: 0 with probability p, else 1/(1 − p). */
  fillMask(out: Float32Array, p: number): void {
    const threshold = Math.floor(p * TWO_32);
    const keep = 1 / (1 - p);
    let { s0, s1, s2, s3 } = this;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = r < threshold ? 0 : keep;
    }
    this.save(s0, s1, s2, s3);
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
