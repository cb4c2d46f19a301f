// Rotation about the image centre by θ degrees, counter-clockwise as displayed (as PIL
// and torchvision rotate), bilinear, zero fill; severity = θ. Output pixel at offset
// (dx, dy) from the centre (y down) reads the source at (cosθ·dx − sinθ·dy, sinθ·dx + cosθ·dy).
import { warp } from './warp.ts';
import type { Perturbation } from './perturbation.ts';

export const rotation: Perturbation = {
  name: 'rotation',
  description: 'rotation about the centre, counter-clockwise, bilinear, zero fill',
  severity: { unit: 'degrees', min: -360, max: 360 },
  needsGradient: false,
  apply({ images, count, shape }, degrees) {
    const t = (degrees * Math.PI) / 180;
    // Exact values at multiples of 90° keep those rotations exact index permutations.
    const exact = Number.isInteger(degrees / 90);
    const cos = exact ? Math.round(Math.cos(t)) : Math.cos(t);
    const sin = exact ? Math.round(Math.sin(t)) : Math.sin(t);
    const m = { a: cos, b: -sin, c: sin, d: cos, tx: 0, ty: 0 };
    return warp(images, count, shape, () => m);
  },
};
