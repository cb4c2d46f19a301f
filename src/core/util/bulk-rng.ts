// A fast generator for bulk draws (dropout masks, noise images): xoshiro128** (Blackman
// and Vigna 2018), 32-bit output from 128 bits of state, seeded from the named Alea stream
// (seed, purpose). Draw k of a stream is a pure function of (seed, purpose, k), as every
// random number in optrobust is; it is some 5x faster than drawing from Alea one by one.
// Normals come from the ziggurat (Marsaglia & Tsang 2000), which needs one exponential only
// in the rare rejections: Box-Muller's log, cos and sin per pair cost 4x more.
import { createRng, type Rng } from './rng.ts';

const TWO_32 = 4294967296;

export class BulkRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** The stream (seed, purpose); or, given an Alea stream, one seeded from its next four draws. */
  constructor(seed: number | Rng, purpose = '') {
    const alea = typeof seed === 'number' ? createRng(seed, purpose) : seed;
    const word = () => (alea() * TWO_32) >>> 0;
    this.s0 = word();
    this.s1 = word();
    this.s2 = word();
    this.s3 = word() | 1; // never the all-zero state
  }

  /** Where the stream is (its 128 bits), for a checkpoint. */
  get position(): readonly [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Continues from a `position`. */
  set position(p: readonly [number, number, number, number]) {
    this.save(...p);
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
    // The step is written out here and in fillMask (dropout, on the training path): calling
    // nextUint32 per draw, as fillNormal affords to, made these loops several times slower.
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
   * Fills `out` with standard normals by the ziggurat of Marsaglia & Tsang (2000), 128
   * layers: each value draws a signed 32-bit j and, separately (Doornik 2005: sharing its
   * bits correlates layer and value), a layer i; it is j·w[i] when |j| < k[i] (about 99%),
   * else the wedge test against exp(-x²/2) or, in the base layer, Marsaglia's tail
   * beyond R. 32 bits of resolution per value.
   */
  fillNormal(out: Float32Array | Float64Array): void {
    for (let n = 0; n < out.length; n++) {
      const j = this.nextUint32() | 0;
      const i = this.nextUint32() & 127;
      // The rectangles (about 99% of draws); the rest outside them.
      out[n] = Math.abs(j) < ZIG_K[i]! ? j * ZIG_W[i]! : this.normalSlow(j, i);
    }
  }

  /** The ziggurat outside its rectangles: the base layer's tail, or a wedge test (and redraws). */
  private normalSlow(j: number, i: number): number {
    for (;;) {
      if (i === 0) {
        // The tail |z| > R: x ~ Exp(R) accepted with probability exp(-x²/2) (Marsaglia 1964).
        let x: number;
        let y: number;
        do {
          x = -Math.log((this.nextUint32() + 1) / TWO_32) / ZIG_R;
          y = -Math.log((this.nextUint32() + 1) / TWO_32);
        } while (y + y < x * x);
        return j > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = j * ZIG_W[i]!;
      if (ZIG_F[i]! + (this.nextUint32() / TWO_32) * (ZIG_F[i - 1]! - ZIG_F[i]!) < Math.exp(-0.5 * x * x)) return x;
      j = this.nextUint32() | 0;
      i = this.nextUint32() & 127;
      if (Math.abs(j) < ZIG_K[i]!) return j * ZIG_W[i]!;
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

// The ziggurat's tables (Marsaglia & Tsang 2000, RNOR with 128 layers): layer edges x_i,
// acceptance bounds k_i = (x_{i-1}/x_i)·2³¹, value scales w_i = x_i/2³¹, densities f_i = exp(-x_i²/2).
// R is the base layer's right edge and V the common area of every layer.
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_K = new Float64Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const m = 2147483648;
  let d = ZIG_R;
  let t = d;
  const q = ZIG_V / Math.exp(-0.5 * d * d);
  ZIG_K[0] = (d / q) * m;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m;
  ZIG_W[127] = d / m;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * d * d);
  for (let i = 126; i >= 1; i--) {
    d = Math.sqrt(-2 * Math.log(ZIG_V / d + Math.exp(-0.5 * d * d)));
    ZIG_K[i + 1] = (d / t) * m;
    t = d;
    ZIG_F[i] = Math.exp(-0.5 * d * d);
    ZIG_W[i] = d / m;
  }
}
