// `npm run perf:decode`: how fast a folder of the user's images loads, and in how much
// memory. Makes (once, under --root) the two folders the issue names: 60,000 PNGs of 28x28
// (the Fashion-MNIST subset's images, five shifted copies each) and 10,000 JPEGs of 224x224
// (colour, quality 90, encoded with MozJPEG), then loads each in a fresh process: cold (an
// empty decode cache: every file decoded) and warm (the cache the cold load wrote), printing
// images per second and the process's peak resident memory (Linux: /proc/self/status VmHWM).
//   node --import tsx bench/decode.ts [--root /tmp/optrobust-decode] [--jpeg-size 64]
// --alternatives also times the other decoders on the same files when they are installed
// (npm install --no-save sharp jpeg-js): PNG with sharp, JPEG with jpeg-js and sharp.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { loadDataset, loadSuiteData } from '../src/core/data/sources.ts';
import { initEmscriptenModule } from '@jsquash/jpeg/utils.js';
import mozjpegEncFactory from '@jsquash/jpeg/codec/enc/mozjpeg_enc.js';
import { defaultOptions } from '@jsquash/jpeg/meta.js';

const { values: flags } = parseArgs({
  options: {
    root: { type: 'string', default: '/tmp/optrobust-decode' },
    'jpeg-size': { type: 'string', default: '64' },
    measure: { type: 'string' },
    format: { type: 'string' },
    options: { type: 'string', default: '{}' },
    cache: { type: 'string' },
    alternatives: { type: 'boolean', default: false },
  },
});

/** One load in this process: prints a JSON line with seconds, images and peak memory. */
async function measure(path: string): Promise<void> {
  process.env.OPTROBUST_CACHE = flags.cache!;
  const started = performance.now();
  const d = await loadSuiteData({ dataset: 'bench', data: { format: flags.format!, path, options: JSON.parse(flags.options!) } });
  const seconds = (performance.now() - started) / 1000;
  // VmHWM: this process image's peak (getrusage's maxRSS carries the parent's over fork and exec).
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? Number.NaN);
  process.stdout.write(`${JSON.stringify({ seconds, images: d.train.count + d.test.count, peakMiB: hwm / 1024 })}\n`);
}

function makePngs(root: string): void {
  if (existsSync(join(root, 'done'))) return;
  const src = loadDataset('fashion-mnist-subset');
  const all = [
    ...Array.from({ length: src.train.count }, (_, i) => ({ split: src.train, i })),
    ...Array.from({ length: src.test.count }, (_, i) => ({ split: src.test, i })),
  ];
  let n = 0;
  for (let copy = 0; copy < 5; copy++) {
    for (const { split, i } of all) {
      const dir = join(root, n < 50_000 ? 'train' : 'test', `class${split.labels[i]}`);
      mkdirSync(dir, { recursive: true });
      const p = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 2, inputHasAlpha: false });
      const rgb = Buffer.alloc(28 * 28 * 3);
      for (let k = 0; k < 784; k++) rgb.fill(Math.round(split.images[i * 784 + ((k + copy) % 784)]! * 255), 3 * k, 3 * k + 3);
      p.data = rgb;
      writeFileSync(join(dir, `${String(n).padStart(5, '0')}.png`), PNG.sync.write(p, { colorType: 0, inputColorType: 2, inputHasAlpha: false }));
      n++;
    }
  }
  writeFileSync(join(root, 'done'), '');
}

async function makeJpegs(root: string): Promise<void> {
  if (existsSync(join(root, 'done'))) return;
  const require = createRequire(import.meta.url);
  const wasm = await WebAssembly.compile(readFileSync(require.resolve('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm')));
  const enc = (await initEmscriptenModule(mozjpegEncFactory, wasm)) as unknown as {
    encode(data: Uint8ClampedArray, w: number, h: number, o: typeof defaultOptions): Uint8Array;
  };
  const src = loadDataset('fashion-mnist-subset');
  for (let n = 0; n < 10_000; n++) {
    const i = n % src.train.count;
    const dir = join(root, n < 8_000 ? 'train' : 'test', `class${src.train.labels[i]}`);
    mkdirSync(dir, { recursive: true });
    // The 28x28 image scaled up 8x (nearest), tinted per class, with a gradient behind it.
    const rgba = new Uint8ClampedArray(224 * 224 * 4);
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++) {
        const v = src.train.images[i * 784 + (y >> 3) * 28 + (x >> 3)]! * 255;
        const o = 4 * (y * 224 + x);
        rgba[o] = v * 0.9 + x * 0.1;
        rgba[o + 1] = v * (0.5 + 0.05 * src.train.labels[i]!) + y * 0.1;
        rgba[o + 2] = 255 - v * 0.7;
        rgba[o + 3] = 255;
      }
    writeFileSync(
      join(dir, `${String(n).padStart(5, '0')}.jpg`),
      enc.encode(rgba, 224, 224, { ...defaultOptions, quality: 90, progressive: false, baseline: true }),
    );
  }
  writeFileSync(join(root, 'done'), '');
}

function run(path: string, format: string, options: object, cache: string) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--measure', path, '--format', format, '--options', JSON.stringify(options), '--cache', cache],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; images: number; peakMiB: number };
}

async function alternatives(pngRoot: string, jpegRoot: string): Promise<void> {
  const files = (dir: string, ext: string, max: number): Buffer[] => {
    const out: Buffer[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (out.length >= max) return;
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith(ext)) out.push(readFileSync(join(d, e.name)));
      }
    };
    walk(dir);
    return out;
  };
  const time = async (name: string, bufs: Buffer[], f: (b: Buffer) => unknown) => {
    const t = performance.now();
    for (const b of bufs) await f(b);
    console.log(`  ${name}: ${Math.round(bufs.length / ((performance.now() - t) / 1000))} images/s (${bufs.length} files, one at a time)`);
  };
  const pngs = files(pngRoot, '.png', 6000);
  const jpgs = files(jpegRoot, '.jpg', 600);
  const { prepareDecoders, decodeImage } = await import('../src/core/data/images/decode.ts');
  await prepareDecoders();
  await time('PNG 28x28, pngjs (used)', pngs, (b) => decodeImage(b));
  await time('JPEG 224x224, MozJPEG WebAssembly (used)', jpgs, (b) => decodeImage(b));
  const optional = async (name: string) => import(name).catch(() => undefined);
  const sharp = (await optional('sharp'))?.default;
  if (sharp) {
    sharp.concurrency(1);
    await time('PNG 28x28, sharp (1 thread)', pngs, (b) => sharp(b).raw().toBuffer());
    await time('JPEG 224x224, sharp (1 thread)', jpgs, (b) => sharp(b).raw().toBuffer());
  } else console.log('  (sharp not installed)');
  const jpeg = (await optional('jpeg-js'))?.default;
  if (jpeg) await time('JPEG 224x224, jpeg-js', jpgs, (b) => jpeg.decode(b, { useTArray: true, formatAsRGBA: false }));
  else console.log('  (jpeg-js not installed)');
}

if (flags.measure) await measure(flags.measure);
else {
  const png = join(flags.root!, 'png28');
  const jpg = join(flags.root!, 'jpeg224');
  console.log(`making the folders under ${flags.root} (once)...`);
  makePngs(png);
  await makeJpegs(jpg);
  const size = Number(flags['jpeg-size']);
  for (const [name, path, options] of [
    ['60,000 PNGs, 28x28 grey', png, {}],
    [`10,000 JPEGs, 224x224 colour, size ${size}`, jpg, { size }],
  ] as const) {
    const cache = join(flags.root!, `cache-${Date.now()}`);
    const cold = run(path, 'image-folder', options, cache);
    const warm = run(path, 'image-folder', options, cache);
    rmSync(cache, { recursive: true, force: true });
    const rate = (m: typeof cold) => Math.round(m.images / m.seconds);
    console.log(
      `${name}: cold ${cold.seconds.toFixed(1)} s (${rate(cold)} images/s, peak ${Math.round(cold.peakMiB)} MiB); ` +
        `warm ${warm.seconds.toFixed(2)} s (peak ${Math.round(warm.peakMiB)} MiB)`,
    );
  }
  if (flags.alternatives) {
    console.log('decoders alone:');
    await alternatives(png, jpg);
  }
}
