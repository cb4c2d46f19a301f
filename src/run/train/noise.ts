// The random inputs of a train step (dropout masks), drawn per step from the seed's
// stream ("dropout:<input name>"), so every optimizer of a seed sees the same masks at the
// same step, and a layer added elsewhere in the model never shifts them.
import type { Network } from '../../core/model/network.ts';
import { size } from '../../core/model/layer.ts';
import { BulkRng } from '../../core/util/bulk-rng.ts';

export class StepNoise {
  private readonly streams: BulkRng[];
  private readonly buffers: Float32Array[];

  constructor(
    private readonly net: Network,
    seed: number,
    batchSize: number,
    /** The streams' purpose (default the training steps' own). */
    purpose = 'dropout',
  ) {
    this.streams = net.noise.map((z) => new BulkRng(seed, `${purpose}:${z.name}`));
    this.buffers = net.noise.map((z) => new Float32Array(batchSize * size(z.shape)));
  }

  /** Where every stream is, for a checkpoint. */
  get positions(): (readonly [number, number, number, number])[] {
    return this.streams.map((s) => s.position);
  }

  set positions(p: readonly (readonly [number, number, number, number])[]) {
    if (p.length !== this.streams.length) throw new Error(`StepNoise: ${p.length} stream positions for ${this.streams.length} streams`);
    p.forEach((q, i) => (this.streams[i]!.position = q));
  }

  /** The masks for a step of `n` examples (views reused by the next call). */
  next(n: number): Float32Array[] {
    return this.net.noise.map((z, i) => {
      const m = this.buffers[i]!.subarray(0, n * size(z.shape));
      this.streams[i]!.fillMask(m, z.dropProbability);
      return m;
    });
  }
}
