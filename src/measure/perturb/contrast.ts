// Contrast reduction, ImageNet-C style: x' = (x − m)·c + m, m the mean of the image's own
// channel (ImageNet-C takes the mean over height and width per channel; one channel for grey).
import { clip01, corruption } from './perturbation.ts';

export const contrast = corruption(
  'contrast',
  'contrast reduced towards each image channel mean',
  { parameter: 'contrast factor c', values: [0.4, 0.3, 0.2, 0.1, 0.05] },
  ({ images, count, shape: [c, h, w] }, factor) => {
    const plane = h * w;
    const out = new Float32Array(images.length);
    for (let k = 0; k < count * c; k++) {
      const img = images.subarray(k * plane, (k + 1) * plane);
      const m = img.reduce((a, b) => a + b, 0) / plane;
      for (let j = 0; j < plane; j++) out[k * plane + j] = clip01((img[j]! - m) * factor + m);
    }
    return out;
  },
);
