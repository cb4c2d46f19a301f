// One image file's bytes -> 8-bit RGB pixels, the mode PIL would open it in (grayscale or
// colour), by the file's signature, never its name. The decoders are npm packages
// (ARCHITECTURE.md says why these, BENCHMARKS.md how fast): pngjs (PNG), Squoosh's
// WebAssembly builds of MozJPEG and libwebp (@jsquash/jpeg, @jsquash/webp: the libjpeg-turbo
// and libwebp decoders PIL links, so JPEG and WebP pixels equal PIL's bit for bit; jpeg-js
// differed by up to 65 levels, its chroma upsampling being another), bmp-js (BMP).
// The WebAssembly decoders are compiled once per process (`prepareDecoders`), then decode
// synchronously.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import bmp from 'bmp-js';
import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { initEmscriptenModule } from '@jsquash/jpeg/utils.js';

interface WasmDecoder {
  decode(data: Uint8Array, preserveOrientation?: boolean): { width: number; height: number; data: Uint8ClampedArray } | null;
}

let decoders: Promise<{ jpeg: WasmDecoder; webp: WasmDecoder }> | undefined;
let ready: { jpeg: WasmDecoder; webp: WasmDecoder } | undefined;

/** Compiles the WebAssembly decoders (once); `decodeImage` needs them for JPEG and WebP. */
export function prepareDecoders(): Promise<void> {
  const require = createRequire(import.meta.url);
  const wasm = (file: string) => WebAssembly.compile(readFileSync(require.resolve(file)));
  decoders ??= (async () => {
    const [j, w] = await Promise.all([wasm('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'), wasm('@jsquash/webp/codec/dec/webp_dec.wasm')]);
    const jpeg = (await initEmscriptenModule(mozjpegFactory, j)) as unknown as WasmDecoder;
    const webp = (await initEmscriptenModule(webpFactory, w)) as unknown as WasmDecoder;
    return (ready = { jpeg, webp });
  })();
  return decoders.then(() => undefined);
}

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** width·height·3 bytes, row-major RGB (grey files repeat their value in each channel). */
  readonly rgb: Uint8Array;
  /** PIL would open the file in a grayscale mode ('1', 'L', 'LA'); palettes of colour and every RGB mode are colour. */
  readonly grey: boolean;
}

/** What a file could not be decoded as; the caller names the file. */
export class DecodeError extends Error {}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const startsWith = (b: Uint8Array, sig: readonly number[]) => sig.every((v, i) => b[i] === v);

export type ImageKind = 'png' | 'jpeg' | 'bmp' | 'webp';

export function sniff(bytes: Uint8Array): ImageKind | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x42, 0x4d])) return 'bmp';
  // RIFF....WEBP
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes.subarray(8), [0x57, 0x45, 0x42, 0x50])) return 'webp';
  return undefined;
}

/** The largest image decoded (pixels): far beyond a classifier's inputs, small enough that a forged header cannot exhaust memory. */
export const MAX_PIXELS = 64 * 1024 * 1024;

function rgbFromRgba(rgba: Uint8Array, n: number, order: 'rgba' | 'abgr'): Uint8Array {
  const out = new Uint8Array(n * 3);
  const [r, g, b] = order === 'rgba' ? [0, 1, 2] : [3, 2, 1];
  for (let i = 0; i < n; i++) {
    out[3 * i] = rgba[4 * i + r]!;
    out[3 * i + 1] = rgba[4 * i + g]!;
    out[3 * i + 2] = rgba[4 * i + b]!;
  }
  return out;
}

/** Refuses a header that declares more pixels than any classifier reads, before a decoder allocates them. */
function checkSize(width: number, height: number): void {
  if (width * height > MAX_PIXELS) throw new DecodeError(`declares ${width}x${height} pixels: more than ${MAX_PIXELS}`);
}

function decodePng(bytes: Buffer): DecodedImage {
  if (bytes.length >= 24) checkSize(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
  // checkCRC: a damaged file is refused, not decoded into wrong pixels.
  const png = PNG.sync.read(bytes, { checkCRC: true });
  const meta = png as unknown as { depth?: number; color?: boolean; palette?: boolean };
  if (meta.depth === 16)
    throw new DecodeError('is a 16-bit PNG; only 8-bit (and lower) PNGs are read (PIL opens 16-bit files as mode I;16, which torchvision converts lossily)');
  const n = png.width * png.height;
  return { width: png.width, height: png.height, rgb: rgbFromRgba(png.data, n, 'rgba'), grey: !meta.color && !meta.palette };
}

/** A JPEG's frame header (SOF0-SOF15 but DHT, JPG, DAC): its size and component count, or undefined when there is none. */
function jpegFrame(b: Uint8Array): { width: number; height: number; components: number } | undefined {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (b[at + 2]! << 8) | b[at + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: (b[at + 5]! << 8) | b[at + 6]!, width: (b[at + 7]! << 8) | b[at + 8]!, components: b[at + 9]! };
    at += 2 + length;
  }
  return undefined;
}

/** Whether a JPEG's data ends in its EOI marker (within trailing padding): libjpeg decodes a truncated file as grey rows where PIL refuses it. */
function hasEnd(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(0, b.length - 4096); i--) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}

/** An RGBA result of a WebAssembly decoder as RGB. */
function fromRgba(r: { width: number; height: number; data: Uint8ClampedArray } | null, grey: boolean): DecodedImage {
  if (!r) throw new DecodeError('could not be decoded');
  const n = r.width * r.height;
  return { width: r.width, height: r.height, rgb: rgbFromRgba(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength), n, 'rgba'), grey };
}

function wasm(): { jpeg: WasmDecoder; webp: WasmDecoder } {
  if (!ready) throw new Error('decodeImage: await prepareDecoders() first');
  return ready;
}

function decodeJpeg(bytes: Buffer): DecodedImage {
  const frame = jpegFrame(bytes);
  const components = frame?.components;
  if (frame) checkSize(frame.width, frame.height);
  if (components !== 1 && components !== 3)
    throw new DecodeError(`is a JPEG with ${components ?? 'no readable'} components; only grayscale and colour (YCbCr) JPEGs are read`);
  if (!hasEnd(bytes)) throw new DecodeError('is a truncated JPEG file (no end-of-image marker)');
  // EXIF orientation is not applied: PIL's Image.open (and torchvision's loader) do not.
  return fromRgba(wasm().jpeg.decode(bytes, false), components === 1);
}

function decodeWebp(bytes: Buffer): DecodedImage {
  // PIL opens every WebP as RGB or RGBA.
  return fromRgba(wasm().webp.decode(bytes), false);
}

function decodeBmp(bytes: Buffer): DecodedImage {
  const img = bmp.decode(bytes);
  const n = img.width * img.height;
  if (!(img.width > 0 && img.height > 0) || img.data.length < n * 4) throw new DecodeError('is a BMP whose pixels could not be read');
  // bmp-js gives ABGR bytes. PIL opens a palette BMP whose palette is the identity ramp
  // (0, 255 for two colours; 0, 1, 2, ... otherwise) as grayscale.
  const meta = img as unknown as { bitPP: number; palette?: { red: number; green: number; blue: number }[] };
  const palette = meta.bitPP <= 8 ? (meta.palette ?? []) : [];
  const ramp = palette.length === 2 ? [0, 255] : palette.map((_, i) => i);
  const grey = palette.length > 0 && palette.every((c, i) => c.red === ramp[i] && c.green === ramp[i] && c.blue === ramp[i]);
  return { width: img.width, height: img.height, rgb: rgbFromRgba(img.data, n, 'abgr'), grey };
}

/** Decodes an image file's bytes (after `prepareDecoders`); DecodeError when they are not a readable PNG, JPEG, WebP or BMP. */
export function decodeImage(bytes: Buffer): DecodedImage {
  const kind = sniff(bytes);
  if (!kind) throw new DecodeError('is not a PNG, JPEG, WebP or BMP file (its first bytes match none of their signatures)');
  let img: DecodedImage;
  try {
    img = kind === 'png' ? decodePng(bytes) : kind === 'jpeg' ? decodeJpeg(bytes) : kind === 'webp' ? decodeWebp(bytes) : decodeBmp(bytes);
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`is a damaged or truncated ${kind.toUpperCase()} file (${(e as Error).message})`);
  }
  if (img.width * img.height > MAX_PIXELS) throw new DecodeError(`is ${img.width}x${img.height}: more than ${MAX_PIXELS} pixels`);
  return img;
}
