// run.json: the resolved configuration a run was made with (enough to resume, merge
// or re-report it), the environment, and timings. Timings live here, never in result files.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { MiB, readRegularText } from '../../core/util/paths.ts';
import { join } from 'node:path';
import { cpus, platform, arch } from 'node:os';
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../../core/util/atomic.ts';
import { defineSuite, type Suite } from './suite.ts';
import type { Shard } from './grid.ts';
import { nchwcBlockSize } from '../../core/onnx/nchwc.ts';
import { parseExact, stringifyExact } from '../../core/util/json.ts';
import { packageVersion } from '../../core/util/package-root.ts';
import type { Provenance } from './provenance.ts';
import { ExternalError, InputError } from '../../errors.ts';

export const MANIFEST_FILE = 'run.json';
/** 2: stores carry the run identity and run.json the data fingerprint (format 1 had neither). */
export const MANIFEST_FORMAT = 2;

export interface RunConfig {
  readonly suite: Suite;
  /** The IDX folder used, when given explicitly (--data-dir). */
  readonly dataDir?: string;
  readonly shard?: Shard;
  /**
   * The data the run trains and tests on: its fingerprint (Dataset.fingerprint) is part of the
   * run's identity; its example shape and class count let a stored model be rebuilt without it.
   */
  readonly data: {
    readonly fingerprint: string;
    readonly shape?: readonly number[];
    readonly numClasses?: number;
    /** Class names by index (absent in runs made before they were recorded). */
    readonly classes?: readonly string[];
  };
  /** Each trained cell's final weights are stored in weights/ (for `optrobust export`). */
  readonly keepWeights?: boolean;
  /**
   * Modules every process of the run imports before it runs a cell (the suite file, when it
   * defines an optimizer with defineOptimizer), each with its SHA-256: a changed file is refused.
   */
  readonly modules?: readonly { readonly path: string; readonly sha256: string }[];
}

/**
 * What makes two sets of records parts of one run: the resolved suite and the data's
 * fingerprint (not the shard, the folder, workers or threads). Every store line carries
 * it; shards of one run share it, so they merge, and anything else is refused.
 */
export function runIdentity(config: Pick<RunConfig, 'suite' | 'data'>): string {
  return (
    createHash('sha256')
      // A user dataset is identified by its fingerprint, not by where it lies (shards on other machines).
      .update(
        stringifyExact({
          suite: config.suite.data ? { ...config.suite, data: { ...config.suite.data, path: undefined } } : config.suite,
          data: config.data.fingerprint,
        }),
      )
      .digest('hex')
      .slice(0, 16)
  );
}

export interface Environment {
  readonly optrobust: string;
  readonly node: string;
  readonly onnxruntime: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cores: number;
  /** MLAS NCHWc block the convolutions ran on (16: AVX-512, 8: AVX2), 0 for standard ONNX `Conv`. */
  readonly nchwcBlock: number;
  /** The random generators, update arithmetic and measurement methods the numbers came from (NUMERICS); absent before revision 2. */
  readonly numerics?: string;
}

/**
 * The revision of optrobust's numerics: a new one whenever a generator, an update's
 * arithmetic or a measurement's method changes, so that `compare` can say why two runs of
 * one config differ.
 * 1: Gaussian noise from Alea by Box-Muller; RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam
 *    and Lion in scalar JavaScript with float64 intermediates.
 * 2: Gaussian noise from xoshiro128** by the ziggurat; every optimizer in float32 WebAssembly SIMD.
 * 3: as 2; sharpness from exact Hessian-vector products (forward mode, was central differences
 *    of gradients); Muon's classifier head on its Adam fallback; schedule-free batch-norm
 *    statistics re-estimated at the evaluation point; Sophia-G's curvature labels sampled from
 *    training-mode logits (was evaluation mode).
 * 4: as 3; Sophia-G in its authors' loop by default: both gradients clipped to norm 1.0, the
 *    curvature estimate on a fresh batch (was: unclipped, on the step's batch).
 */
export const NUMERICS =
  '4 (noise: xoshiro128** ziggurat; optimizers: float32 SIMD; Hessian-vector products: exact; Muon head: Adam; ' +
  "Sophia: authors' loop, clip 1.0, fresh curvature batch)";
export const NUMERICS_BEFORE_2 = '1 (noise: Alea Box-Muller; optimizers: scalar float64 intermediates)';

/** One invocation of `run` (the first, or a --resume): when, how long, how many cells it finished. */
export interface Attempt {
  readonly startedAt: string;
  /** Absent while it runs, and for an attempt that was killed. */
  readonly finishedAt?: string;
  /** Wall seconds until its last stored cell (or its end). */
  readonly wallSeconds: number;
  readonly cells: number;
  readonly workers: number;
}

export interface Timings {
  /** When the run's first attempt started. */
  readonly startedAt: string;
  /** When its last attempt finished the run. */
  readonly finishedAt?: string;
  /** Wall seconds over every attempt. */
  readonly wallSeconds?: number;
  /** Every attempt so far, oldest first (absent in runs made before attempts were recorded). */
  readonly attempts?: readonly Attempt[];
  readonly workers: number;
  readonly threadsPerWorker: number;
  /** Seconds per finished grid cell, keyed "optimizer/seed". */
  readonly cellSeconds: Readonly<Record<string, number>>;
  /** Wall seconds spent in each phase (tune, main, matched), summed over attempts. */
  readonly phaseSeconds?: Readonly<Record<string, number>>;
}

export interface RunManifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** runIdentity(config), as every line of the run's store carries it. */
  readonly identity: string;
  readonly config: RunConfig;
  readonly environment: Environment;
  /** Where the run came from (git commit, suite file hash, shard source); absent in runs before it was recorded. */
  readonly provenance?: Provenance;
  readonly timings: Timings;
}

const require = createRequire(import.meta.url);

export async function environment(): Promise<Environment> {
  const pkg = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  return {
    optrobust: packageVersion(),
    node: process.version,
    onnxruntime: pkg('onnxruntime-node'),
    platform: `${platform()}-${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    nchwcBlock: await nchwcBlockSize(),
    numerics: NUMERICS,
  };
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), `${stringifyExact(manifest, 2)}\n`);
}

export class ManifestError extends InputError {}

export function readManifest(dir: string): RunManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new ManifestError(`${file}: not found; is ${dir} an optrobust run directory?`);
  let m: RunManifest;
  try {
    m = parseExact<RunManifest>(
      readRegularText(file, { what: 'a run manifest (run.json)', maxBytes: 64 * MiB, error: (f, problem) => new ManifestError(`${f}: ${problem}`) }),
    );
  } catch (e) {
    if (e instanceof InputError || e instanceof ExternalError) throw e;
    throw new ManifestError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if ((m as { format?: unknown })?.format === 1)
    throw new ManifestError(`${file}: made by an earlier optrobust (run format 1, without run identities); re-run the suite to compare, merge or resume it`);
  if (m?.format !== MANIFEST_FORMAT || !m.config?.suite || typeof m.identity !== 'string' || typeof m.config.data?.fingerprint !== 'string') {
    throw new ManifestError(`${file}: not an optrobust run manifest (expected "format": ${MANIFEST_FORMAT}, an "identity" and "config.suite", "config.data")`);
  }
  if (runIdentity(m.config) !== m.identity) throw new ManifestError(`${file}: its "identity" does not match its configuration; the file was edited`);
  try {
    defineSuite(m.config.suite);
  } catch (e) {
    throw new ManifestError(`${file}: config.suite is not a valid suite (${(e as Error).message})`);
  }
  return m;
}
