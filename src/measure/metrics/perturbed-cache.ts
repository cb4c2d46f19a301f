// Perturbed test sets that do not depend on the model (every perturbation without a
// gradient: noise, geometry, corruptions) are a pure function of (images, seed,
// perturbation, severity), and every optimizer of a seed is tested on the very same ones.
// A worker keeps them across cells, so it draws each once per seed instead of once per
// cell. Bounded in bytes; the least recently used set goes first.

/** 256 MiB: the default grid's 13 model-free sets for 3 seeds take 0.1 GiB. */
export const PERTURBED_CACHE_BYTES = 256 * 2 ** 20;

export class PerturbedCache {
  private readonly sets = new Map<string, Float32Array>();
  private readonly ids = new WeakMap<Float32Array, number>();
  private nextId = 0;
  private bytes = 0;

  constructor(readonly budgetBytes = PERTURBED_CACHE_BYTES) {}

  /** The set for (source images, key), made by `make` the first time (and again after eviction). */
  async get(source: Float32Array, key: string, make: () => Float32Array | Promise<Float32Array>): Promise<Float32Array> {
    let id = this.ids.get(source);
    if (id === undefined) this.ids.set(source, (id = this.nextId++));
    const k = `${id}\u0000${key}`;
    const hit = this.sets.get(k);
    if (hit) {
      this.sets.delete(k); // re-inserted: Map order is recency order
      this.sets.set(k, hit);
      return hit;
    }
    const made = await make();
    if (made.byteLength > this.budgetBytes) return made;
    this.sets.set(k, made);
    this.bytes += made.byteLength;
    for (const [old, set] of this.sets) {
      if (this.bytes <= this.budgetBytes) break;
      this.sets.delete(old);
      this.bytes -= set.byteLength;
    }
    return made;
  }

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }
}
