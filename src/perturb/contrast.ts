// Contrast reduction, ImageNet-C style: x' = (x − mean(x))·c + mean(x) per image.
import { clip01, corruption } from './perturbation.ts';

export const contrast = corruption(
  'contrast',
  'contrast reduced towards each image mean',
  { parameter: 'contrast factor c', values: [0.4, 0.3, 0.2, 0.1, 0.05] },
  ({ images, count }, c) => {
    const d = images.length / count;
    const out = new Float32Array(images.length);
    for (let i = 0; i < count; i++) {
      const img = images.subarray(i * d, (i + 1) * d);
      const m = img.reduce((a, b) => a + b, 0) / d;
      for (let j = 0; j < d; j++) out[i * d + j] = clip01((img[j]! - m) * c + m);
    }
    return out;
  },
);
