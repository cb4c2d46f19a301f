// The certified-bound graphs a Network compiles, by name: adding a method is a builder and one
// line here. Each graph takes the weights, x, y and eps and gives `margin` [N, classes], lower
// bounds on z_y - z_j over the ball (0 at j = y).
import { buildCrownGraph, crownBatch } from './crown.ts';
import { buildIbpGraph } from './ibp.ts';
import type { ModelGraph } from './model.ts';

export interface BoundMethod {
  readonly norm: 'linf' | 'l2';
  build(model: ModelGraph, numClasses: number): Uint8Array;
  /** The most examples one run of the graph should take (memory), if fewer than an evaluation batch. */
  batch?(model: ModelGraph, numClasses: number): number;
}

export const BOUND_METHODS = {
  ibp: { norm: 'linf', build: buildIbpGraph },
  crown: { norm: 'linf', build: (m, k) => buildCrownGraph(m, k, { norm: 'linf' }), batch: crownBatch },
  crown_l2: { norm: 'l2', build: (m, k) => buildCrownGraph(m, k, { norm: 'l2' }), batch: crownBatch },
} as const satisfies Record<string, BoundMethod>;

export type BoundName = keyof typeof BOUND_METHODS;

export const isBoundName = (kind: string): kind is BoundName => Object.hasOwn(BOUND_METHODS, kind);
