// Images for the report: 8-bit [C, H, W] pixels (C = 1 or 3) as PNG data URIs, so the page
// stays one self-contained file. pngjs encodes (the dependency that decodes a user's PNGs).
import { PNG } from 'pngjs';

/** One image ([C, H, W], C = 1 grey or 3 RGB) as a data: URI of a PNG. */
export function pngDataUri(pixels: Uint8Array, shape: readonly [number, number, number]): string {
  const [c, h, w] = shape;
  const png = new PNG({ width: w, height: h });
  const plane = h * w;
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) png.data[4 * i + k] = pixels[(c === 3 ? k : 0) * plane + i]!;
    png.data[4 * i + 3] = 255;
  }
  const bytes = PNG.sync.write(png, { colorType: c === 3 ? 2 : 0, inputColorType: 6 });
  return `data:image/png;base64,${bytes.toString('base64')}`;
}
