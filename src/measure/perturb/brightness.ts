// Brightness increase, ImageNet-C style: b is added to the HSV value V = max(r, g, b) of each
// pixel, clipped to 1, hue and saturation unchanged. HSV to RGB is linear in V at fixed hue and
// saturation, so each channel scales by V'/V; a black pixel (V = 0: no hue, no saturation)
// becomes grey V'. For one channel, V is the intensity: x' = min(1, x + b).
import { corruption } from './perturbation.ts';

export const brightness = corruption(
  'brightness',
  'brightness raised by adding b to the HSV value',
  { parameter: 'added value b', values: [0.1, 0.2, 0.3, 0.4, 0.5] },
  ({ images, count, shape: [c, h, w] }, b) => {
    const plane = h * w;
    const out = new Float32Array(images.length);
    for (let i = 0; i < count; i++) {
      const base = i * c * plane;
      for (let p = 0; p < plane; p++) {
        let v = 0;
        for (let ch = 0; ch < c; ch++) v = Math.max(v, images[base + ch * plane + p]!);
        const raised = Math.min(1, v + b);
        if (c === 1) out[base + p] = raised;
        else for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = v > 0 ? images[base + ch * plane + p]! * (raised / v) : raised;
      }
    }
    return out;
  },
);
