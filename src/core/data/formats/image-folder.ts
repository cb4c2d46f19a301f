// A folder of image files, one sub-folder per class: torchvision's ImageFolder convention,
// followed exactly so that class indices and example order line up with a PyTorch-trained
// model's: classes are the sub-folder names sorted by code point; a class's files are found
// by walking its folder (links followed, as os.walk(followlinks=True)), folders in sorted
// order and files sorted within each; a file counts when its name ends (case-insensitively)
// in one of torchvision's image extensions, and every other file is skipped and counted.
//   ROOT/train/<class>/...  and  ROOT/test/<class>/...   (both splits, the same classes), or
//   ROOT/<class>/...  with `testFraction`: a seeded split, stratified by class.
// Pixels are decoded (images/decode.ts) and converted as PIL would (images/transform.ts):
// `channels` 1 or 3 converts every file like convert('L') / convert('RGB'); without it the
// files must agree. `size` resizes as torchvision's Resize(size) (+ CenterCrop(size) for an
// int) on a PIL image; without it every image must have one size.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MiB, readRegularFile } from '../../util/paths.ts';
import { createRng, permutation } from '../../util/rng.ts';
import { DataError } from '../idx.ts';
import { Fingerprint, toPixels, type Dataset, type Split } from '../dataset.ts';
import type { DecodedImage } from '../images/decode.ts';
import { centerCrop, resizeBilinear, resizedSize, toGrey, toPlanar, type Pixels } from '../images/transform.ts';
import type { DataFormat, DatasetSpec } from './format.ts';
import type { OptionChecks } from '../../util/option-block.ts';
import { MAX_CLASSES, classCountProblem } from './classes.ts';

/** torchvision's IMG_EXTENSIONS (datasets/folder.py). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;
/** Those optrobust decodes; a file with one of the others is refused by name rather than skipped. */
const DECODED = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp']);
/** No image file a classifier reads comes near this. */
const MAX_IMAGE_BYTES = 256 * MiB;

export interface ImageFolderOptions {
  readonly channels?: 1 | 3;
  /** An int: Resize(size) then CenterCrop(size); [height, width]: Resize((height, width)). */
  readonly size?: number | readonly [number, number];
  /** With one folder of classes: the fraction of each class held out as the test split. */
  readonly testFraction?: number;
  /** The seed of that split (default 0). */
  readonly splitSeed?: number;
  /** The class count the labels are checked against (default: the number of class folders). */
  readonly numClasses?: number;
}

const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) <= 65536;

export const IMAGE_FOLDER_OPTIONS: OptionChecks = {
  channels: (v) => (v === 1 || v === 3 ? undefined : '1 (grayscale, as convert("L")) or 3 (colour, as convert("RGB"))'),
  size: (v) =>
    positive(v) || (Array.isArray(v) && v.length === 2 && v.every(positive))
      ? undefined
      : 'a positive integer (Resize + CenterCrop to a square) or [height, width] (Resize to exactly that)',
  testFraction: (v) => (typeof v === 'number' && v > 0 && v < 1 ? undefined : 'a fraction in (0, 1)'),
  splitSeed: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 4294967295 ? undefined : 'an unsigned 32-bit integer'),
  numClasses: classCountProblem,
};

/** Python's sorted() on str: by code point (JavaScript's default sort compares UTF-16 units). */
const byCodePoint = (a: string, b: string): number => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

function entries(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new DataError(dir, `cannot be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Whether a folder entry is a folder, links followed (a dangling link is neither). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new DataError(path, 'is a symbolic link loop');
    return false;
  }
}

/** torchvision's find_classes: the sub-folders, sorted. */
export function classFolders(root: string): string[] {
  return entries(root)
    .filter((e) => isFolder(join(root, e.name)))
    .map((e) => e.name)
    .sort(byCodePoint);
}

interface Listing {
  readonly files: string[];
  readonly labels: number[];
  readonly skipped: string[];
}

/** torchvision's make_dataset over `root`'s class folders. */
function listSplit(root: string, classes: readonly string[]): Listing {
  const files: string[] = [];
  const labels: number[] = [];
  const skipped: string[] = [];
  classes.forEach((cls, label) => {
    const top = join(root, cls);
    const walked: { dir: string; names: string[] }[] = [];
    const walk = (dir: string, ancestors: Set<string>) => {
      const real = realpathSync(dir);
      if (ancestors.has(real)) throw new DataError(dir, `is a symbolic link loop (it leads back to ${real})`);
      const inside = new Set(ancestors).add(real);
      const names: string[] = [];
      for (const e of entries(dir)) {
        const path = join(dir, e.name);
        if (isFolder(path)) walk(path, inside);
        else names.push(e.name);
      }
      walked.push({ dir, names });
    };
    walk(top, new Set());
    const before = files.length;
    walked.sort((a, b) => byCodePoint(a.dir, b.dir));
    for (const { dir, names } of walked) {
      for (const name of names.sort(byCodePoint)) {
        const path = join(dir, name);
        const lower = name.toLowerCase();
        const ext = IMAGE_EXTENSIONS.find((x) => lower.endsWith(x));
        if (!ext) {
          skipped.push(path);
          continue;
        }
        if (!DECODED.has(ext)) throw new DataError(path, `is a ${ext} file; optrobust reads PNG, JPEG, WebP and BMP images (convert it, or remove it)`);
        files.push(path);
        labels.push(label);
      }
    }
    if (files.length === before)
      throw new DataError(top, `class folder "${cls}" holds no image files (${[...DECODED].join(', ')}); every class needs at least one`);
  });
  return { files, labels, skipped };
}

/** The two splits' listings: ROOT/train and ROOT/test, or one folder of classes split by `testFraction`. */
function listFolder(root: string, o: ImageFolderOptions): { classes: string[]; train: Listing; test: Listing } {
  const top = classFolders(root);
  if (o.testFraction === undefined) {
    if (!top.includes('train') || !top.includes('test'))
      throw new DataError(root, 'expected train/ and test/ folders, each with one folder per class (or set testFraction to split one folder of classes)');
    const classes = classFolders(join(root, 'train'));
    const testClasses = classFolders(join(root, 'test'));
    if (classes.join('\0') !== testClasses.join('\0')) {
      const onlyTrain = classes.filter((c) => !testClasses.includes(c));
      const onlyTest = testClasses.filter((c) => !classes.includes(c));
      throw new DataError(
        root,
        `train/ and test/ must hold the same class folders (class indices come from their sorted names); ` +
          `${onlyTrain.length ? `only in train/: ${onlyTrain.slice(0, 5).join(', ')}` : ''}${onlyTrain.length && onlyTest.length ? '; ' : ''}` +
          `${onlyTest.length ? `only in test/: ${onlyTest.slice(0, 5).join(', ')}` : ''}`,
      );
    }
    if (classes.length === 0) throw new DataError(join(root, 'train'), 'holds no class folders');
    return { classes, train: listSplit(join(root, 'train'), classes), test: listSplit(join(root, 'test'), classes) };
  }
  if (top.length === 0) throw new DataError(root, 'holds no class folders');
  const all = listSplit(root, top);
  const train: Listing = { files: [], labels: [], skipped: all.skipped };
  const test: Listing = { files: [], labels: [], skipped: [] };
  const byClass = top.map((): number[] => []);
  all.labels.forEach((l, i) => byClass[l]!.push(i));
  top.forEach((cls, label) => {
    const idx = byClass[label]!;
    const held = Math.round(idx.length * o.testFraction!);
    if (held === 0 || held === idx.length)
      throw new DataError(
        join(root, cls),
        `holds ${idx.length} images: testFraction ${o.testFraction} leaves ${held === 0 ? 'no test' : 'no training'} image of class "${cls}"`,
      );
    const order = permutation(idx.length, createRng(o.splitSeed ?? 0, `split:${cls}`));
    const inTest = new Set(Array.from(order.subarray(0, held), (k) => idx[k]!));
    for (const i of idx) {
      const into = inTest.has(i) ? test : train;
      into.files.push(all.files[i]!);
      into.labels.push(label);
    }
  });
  // Classes in order, each class's files in order: each split keeps torchvision's order.
  return { classes: top, train, test };
}

interface Decoded {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/** Decodes and transforms a listing's files into [count, C, H, W] bytes; `first` fixes the mode and size the others must share. */
function decodeSplit(
  codecs: typeof import('../images/decode.ts'),
  listing: Listing,
  o: ImageFolderOptions,
  first: { shape?: Decoded; from?: string },
  progress: () => void,
): Uint8Array {
  let out: Uint8Array | undefined;
  const mismatched: string[] = [];
  listing.files.forEach((file, i) => {
    const bytes = readRegularFile(file, { what: 'an image file', maxBytes: MAX_IMAGE_BYTES, error: (f, p) => new DataError(f, p) });
    let img: DecodedImage;
    try {
      img = codecs.decodeImage(bytes);
    } catch (e) {
      if (e instanceof codecs.DecodeError) throw new DataError(file, e.message);
      throw e;
    }
    const channels = o.channels ?? (img.grey ? 1 : 3);
    let px: Pixels = channels === 1 ? toGrey(img.rgb, img.width, img.height) : { width: img.width, height: img.height, channels: 3, data: img.rgb };
    if (o.size !== undefined) {
      const to = resizedSize(px.width, px.height, o.size);
      px = resizeBilinear(px, to.width, to.height);
      if (typeof o.size === 'number') px = centerCrop(px, o.size, o.size);
    }
    if (!first.shape) {
      first.shape = { channels, height: px.height, width: px.width };
      first.from = file;
    }
    const s = first.shape;
    if (channels !== s.channels)
      throw new DataError(
        file,
        `is ${channels === 1 ? 'grayscale' : 'colour'} but ${first.from} is ${s.channels === 1 ? 'grayscale' : 'colour'}; ` +
          `set the dataset's channels (1: convert every image to grayscale, 3: to RGB, as PIL's convert does)`,
      );
    if (px.height !== s.height || px.width !== s.width) {
      mismatched.push(`${file} is ${px.width}x${px.height}`);
      return;
    }
    const size = s.channels * s.height * s.width;
    out ??= new Uint8Array(listing.files.length * size);
    toPlanar(px, out, i * size);
    progress();
  });
  if (mismatched.length)
    throw new DataError(
      first.from!,
      `is ${first.shape!.width}x${first.shape!.height} but ${mismatched.length} image(s) differ: ${mismatched.slice(0, 3).join('; ')}` +
        `${mismatched.length > 3 ? '; ...' : ''}; set the dataset's size to resize them (as torchvision's Resize)`,
    );
  return out!;
}

export const imageFolder: DataFormat = {
  name: 'image-folder',
  layout: 'ROOT/train/<class>/*.png|jpg|jpeg|webp|bmp and ROOT/test/<class>/... (torchvision ImageFolder), or ROOT/<class>/... with testFraction',
  missing: () => [],
  options: IMAGE_FOLDER_OPTIONS,
  async load(dir: string, spec: DatasetSpec): Promise<Dataset> {
    const o = (spec.options ?? {}) as ImageFolderOptions;
    // The decoders load with the first image folder, not with every process that reads an IDX file.
    const codecs = await import('../images/decode.ts');
    await codecs.prepareDecoders();
    if (!isFolder(dir)) throw new DataError(dir, 'is not a folder; an image-folder dataset is a folder of class folders');
    const { classes, train, test } = listFolder(dir, o);
    if (classes.length > MAX_CLASSES) throw new DataError(dir, `holds ${classes.length} class folders; at most ${MAX_CLASSES} classes are supported`);
    const numClasses = o.numClasses ?? spec.numClasses ?? classes.length;
    if (classes.length > numClasses) throw new DataError(dir, `holds ${classes.length} class folders, more than numClasses ${numClasses}`);
    const total = train.files.length + test.files.length;
    let done = 0;
    const tick = () => {
      done++;
      if (spec.progress && (done % 500 === 0 || done === total)) spec.progress(done, total);
    };
    const first: { shape?: Decoded; from?: string } = {};
    const hash = new Fingerprint();
    const split = (l: Listing): Split => {
      const bytes = decodeSplit(codecs, l, o, first, tick);
      const labels = Uint8Array.from(l.labels);
      hash.add([l.files.length, first.shape!.channels, first.shape!.height, first.shape!.width], bytes, labels);
      return { images: toPixels(bytes), labels, count: l.files.length };
    };
    const trainSplit = split(train);
    const testSplit = split(test);
    hash.addClasses(classes);
    const s = first.shape!;
    const skipped = [...train.skipped, ...test.skipped];
    return {
      name: spec.name,
      dir,
      shape: [s.channels, s.height, s.width],
      numClasses,
      classes,
      train: trainSplit,
      test: testSplit,
      fingerprint: hash.digest(),
      ...(skipped.length ? { skipped: { count: skipped.length, examples: skipped.slice(0, 3).map((f) => relative(dir, f)) } } : {}),
    };
  },
};
