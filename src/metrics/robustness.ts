// Accuracy and mean loss on clean data and on every (perturbation, severity) of a sweep.
// Each severity draws from its own stream (seed, perturbation, severity), so every
// optimizer of a seed is tested on the very same perturbed images (for non-attacks).
import type { Network } from '../model/network.ts';
import type { Split } from '../data/dataset.ts';
import { CLEAN, getPerturbation } from '../perturb/registry.ts';
import type { GradientOracle, ImageShape } from '../perturb/perturbation.ts';
import { createRng } from '../util/rng.ts';
import { evaluate } from './evaluate.ts';
import type { PerturbedCache } from './perturbed-cache.ts';

/** Perturbation name -> severities; "clean" (severity 0) is always evaluated. */
export type Sweeps = Readonly<Record<string, readonly number[]>>;

export interface SweepPoint {
  readonly perturbation: string;
  readonly severity: number;
  readonly accuracy: number;
  readonly loss: number;
  /** Calibration (absent in records made before it was measured). */
  readonly ece?: number;
  readonly brier?: number;
}

export async function evaluateSweeps(
  net: Network,
  params: readonly Float32Array[],
  split: Split,
  shape: ImageShape,
  sweeps: Sweeps,
  seed: number,
  gradient: GradientOracle,
  /** Keeps model-free perturbed sets across calls (cells); none: each is drawn afresh. */
  cache?: PerturbedCache,
): Promise<SweepPoint[]> {
  const clean = await evaluate(net, params, split);
  const points: SweepPoint[] = [{ perturbation: CLEAN, severity: 0, accuracy: clean.accuracy, loss: clean.loss, ece: clean.ece, brier: clean.brier }];
  for (const [name, severities] of Object.entries(sweeps)) {
    if (name === CLEAN) continue;
    const p = getPerturbation(name);
    for (const severity of severities) {
      const make = () =>
        p.apply({ images: split.images, labels: split.labels, count: split.count, shape, rng: createRng(seed, `perturb:${name}:${severity}`), gradient }, severity);
      const images = cache && !p.needsGradient ? await cache.get(split.images, `${seed}:${name}:${severity}`, make) : await make();
      const s = await evaluate(net, params, split, images);
      points.push({ perturbation: name, severity, accuracy: s.accuracy, loss: s.loss, ece: s.ece, brier: s.brier });
    }
  }
  return points;
}
