// run.json: the resolved configuration a run was made with (enough to resume, merge
// or re-report it), the environment, and timings. Timings live here, never in result files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, platform, arch } from 'node:os';
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../util/atomic.ts';
import type { Suite } from './suite.ts';
import type { Shard } from './grid.ts';
import { nchwcBlockSize } from '../onnx/nchwc.ts';

export const MANIFEST_FILE = 'run.json';

export interface RunConfig {
  readonly suite: Suite;
  /** The IDX folder used, when given explicitly (--data-dir). */
  readonly dataDir?: string;
  readonly shard?: Shard;
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
}

export interface Timings {
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly wallSeconds?: number;
  readonly workers: number;
  readonly threadsPerWorker: number;
  /** Seconds per finished grid cell, keyed "optimizer/seed". */
  readonly cellSeconds: Readonly<Record<string, number>>;
  /** Wall seconds spent in each phase (tune, main, matched) by this invocation. */
  readonly phaseSeconds?: Readonly<Record<string, number>>;
}

export interface RunManifest {
  readonly format: 1;
  readonly config: RunConfig;
  readonly environment: Environment;
  readonly timings: Timings;
}

const require = createRequire(import.meta.url);

export async function environment(): Promise<Environment> {
  const pkg = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    optrobust: own.version,
    node: process.version,
    onnxruntime: pkg('onnxruntime-node'),
    platform: `${platform()}-${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    nchwcBlock: await nchwcBlockSize(),
  };
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function readManifest(dir: string): RunManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new Error(`${file}: not found; is ${dir} an optrobust run directory?`);
  let m: RunManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as RunManifest;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== 1 || !m.config?.suite) throw new Error(`${file}: not an optrobust run manifest (expected "format": 1 and a "config.suite")`);
  return m;
}
