// The image transforms a torchvision pipeline applies before ToTensor, transcribed from
// Pillow (src/libImaging) and torchvision 0.14 so that the pixels equal theirs bit for bit:
//   - convert('L'): L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16 (Pillow's L24, the
//     ITU-R 601-2 luma in 16-bit fixed point); convert('RGB') of a grey image repeats it;
//   - Resize: Pillow's BILINEAR resampling (a triangle filter stretched by the scale when
//     shrinking, so it antialiases), separable, horizontal pass first, coefficients in
//     22-bit fixed point, each pass rounded and clipped to 8 bits; the output size as
//     torchvision computes it (an int resizes the shorter side, the longer truncated);
//   - CenterCrop: the offsets int(round((in - out) / 2)), Python's round (half to even).

/** 8-bit pixels, row-major, `channels` interleaved (1: L, 3: RGB). */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** Pillow's convert('L') of RGB bytes (or of a grey image's repeated values: the identity). */
export function toGrey(rgb: Uint8Array, width: number, height: number): Pixels {
  const n = width * height;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = (rgb[3 * i]! * 19595 + rgb[3 * i + 1]! * 38470 + rgb[3 * i + 2]! * 7471 + 0x8000) >>> 16;
  return { width, height, channels: 1, data };
}

const PRECISION_BITS = 32 - 8 - 2;

/** Pillow's precompute_coeffs for the bilinear filter over [0, inSize) -> outSize, normalized to fixed point. */
function coefficients(inSize: number, outSize: number): { ksize: number; bounds: Int32Array; k: Int32Array } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    // C's (int) truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { ksize, bounds, k };
}

const clip8 = (ss: number): number => {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** Pillow's Image.resize((width, height), BILINEAR) of an 8-bit L or RGB image. */
export function resizeBilinear(img: Pixels, width: number, height: number): Pixels {
  if (width === img.width && height === img.height) return img;
  const c = img.channels;
  let src = img.data;
  let srcW = img.width;
  const vert = coefficients(img.height, height);
  // Pillow resamples only the rows the vertical pass reads.
  const first = vert.bounds[0]!;
  const last = vert.bounds[2 * height - 2]! + vert.bounds[2 * height - 1]!;
  let rows = img.height;
  let offset = 0;
  if (width !== img.width) {
    const h = coefficients(img.width, width);
    rows = last - first;
    const out = new Uint8Array(width * rows * c);
    for (let y = 0; y < rows; y++) {
      const line = (y + first) * srcW * c;
      for (let xx = 0; xx < width; xx++) {
        const xmin = h.bounds[2 * xx]!;
        const xmax = h.bounds[2 * xx + 1]!;
        const kk = xx * h.ksize;
        for (let ch = 0; ch < c; ch++) {
          let ss = 1 << (PRECISION_BITS - 1);
          for (let x = 0; x < xmax; x++) ss += src[line + (x + xmin) * c + ch]! * h.k[kk + x]!;
          out[(y * width + xx) * c + ch] = clip8(ss);
        }
      }
    }
    src = out;
    srcW = width;
    offset = first;
  }
  if (height === img.height) return { width, height, channels: c, data: src };
  const out = new Uint8Array(width * height * c);
  for (let yy = 0; yy < height; yy++) {
    const ymin = vert.bounds[2 * yy]! - offset;
    const ymax = vert.bounds[2 * yy + 1]!;
    const kk = yy * vert.ksize;
    for (let i = 0; i < width * c; i++) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < ymax; y++) ss += src[(y + ymin) * srcW * c + i]! * vert.k[kk + y]!;
      out[yy * width * c + i] = clip8(ss);
    }
  }
  return { width, height, channels: c, data: out };
}

/** Python's round(): halves to even. */
const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** torchvision's output size of Resize(size) for an image of width x height: an int resizes the shorter side. */
export function resizedSize(width: number, height: number, size: number | readonly [number, number]): { width: number; height: number } {
  if (typeof size !== 'number') return { height: size[0], width: size[1] };
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { width: newLong, height: size };
}

/** torchvision's CenterCrop to width x height (never larger than the image: Resize comes first). */
export function centerCrop(img: Pixels, width: number, height: number): Pixels {
  if (width === img.width && height === img.height) return img;
  const top = roundHalfEven((img.height - height) / 2);
  const left = roundHalfEven((img.width - width) / 2);
  const c = img.channels;
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) out.set(img.data.subarray(((y + top) * img.width + left) * c, ((y + top) * img.width + left + width) * c), y * width * c);
  return { width, height, channels: c, data: out };
}

/** [H, W, C] interleaved bytes -> [C, H, W] planes, written into `out` at `at`. */
export function toPlanar(img: Pixels, out: Uint8Array, at: number): void {
  const n = img.width * img.height;
  const c = img.channels;
  if (c === 1) {
    out.set(img.data, at);
    return;
  }
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) out[at + ch * n + i] = img.data[i * c + ch]!;
}
