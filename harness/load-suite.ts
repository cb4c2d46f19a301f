// Finds a suite by shipped name or file path and applies command-line overrides.
import { existsSync, statSync } from 'node:fs';
import { kindOf } from '../src/core/util/paths.ts';
import { join, resolve } from 'node:path';
import { packageRoot } from '../src/core/util/package-root.ts';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineSuite, type Suite } from '../src/index.ts';
import { SHIPPED_SUITES } from '../suites/index.ts';
import { InputError, UsageError } from '../src/errors.ts';
import { importExactly, importOnce, OWN_EXTENSION } from '../src/core/util/import-module.ts';
import { fileHash } from '../src/run/experiment/provenance.ts';
import type { RunConfig } from '../src/run/experiment/manifest.ts';

/** The file a --suite value names (a shipped suite's module, or the user's file). */
export function suiteFile(nameOrPath: string): string {
  const shipped = Object.hasOwn(SHIPPED_SUITES, nameOrPath) ? SHIPPED_SUITES[nameOrPath] : undefined;
  if (!shipped) return resolve(nameOrPath);
  // A checkout's compiled twin (.build/) names the source it was compiled from; the package its own file.
  const source = join(packageRoot(), 'suites', `${shipped}.ts`);
  return existsSync(source) ? source : fileURLToPath(new URL(`../suites/${shipped}${OWN_EXTENSION}`, import.meta.url));
}

export async function loadSuite(nameOrPath: string): Promise<Suite> {
  const shipped = Object.hasOwn(SHIPPED_SUITES, nameOrPath) ? SHIPPED_SUITES[nameOrPath] : undefined;
  const url = shipped ? new URL(`../suites/${shipped}${OWN_EXTENSION}`, import.meta.url).href : undefined;
  let target = url;
  if (!target) {
    const path = resolve(nameOrPath);
    if (!existsSync(path)) {
      throw new UsageError(`--suite ${nameOrPath}: not a shipped suite (${Object.keys(SHIPPED_SUITES).join(', ')}) and no such file`);
    }
    // A FIFO or device would hang or flood the module loader; a folder is not a module.
    const s = statSync(path);
    if (!s.isFile()) throw new UsageError(`--suite ${nameOrPath}: is ${kindOf(s)}; expected a shipped suite's name or a suite file (.ts, .js, .mjs)`);
    target = pathToFileURL(path).href;
  }
  let mod: { default?: unknown; suite?: unknown };
  try {
    mod = (await importExactly(target)) as typeof mod;
  } catch (e) {
    if (e instanceof InputError) throw e; // defineSuite's own message names the field
    throw new UsageError(`--suite ${nameOrPath}: the file could not be loaded: ${(e as Error).message}`);
  }
  const suite = mod.default ?? mod.suite;
  if (!suite || typeof suite !== 'object') {
    throw new UsageError(`--suite ${nameOrPath}: the module must export a suite built with defineSuite({...}) as its default export`);
  }
  // Re-validate: a user's file may build the object by hand.
  return defineSuite(suite as Suite);
}

export interface SuiteOverrides {
  readonly optimizers?: readonly string[];
  /** A list, or 'auto' (seeds: { auto }, the suite's own options when it has them). */
  readonly seeds?: readonly number[] | 'auto';
  readonly epochs?: number;
  /** Enable tuning (with the suite's own settings when it has them). */
  readonly tune?: boolean;
}

export function applyOverrides(suite: Suite, o: SuiteOverrides): Suite {
  let optimizers = suite.optimizers;
  if (o.optimizers) {
    const known = suite.optimizers.map((e) => e.label);
    const unknown = o.optimizers.filter((l) => !known.includes(l));
    if (unknown.length) throw new UsageError(`--optimizers: ${unknown.join(', ')} not in suite "${suite.name}" (it has ${known.join(', ')})`);
    optimizers = suite.optimizers.filter((e) => o.optimizers!.includes(e.label));
  }
  const labels = optimizers.map((e) => e.label);
  return defineSuite({
    ...suite,
    optimizers,
    // Seeds given replace the suite's, an auto block included.
    ...(o.seeds === 'auto' ? { seeds: { auto: suite.autoSeeds ?? {} }, autoSeeds: undefined } : o.seeds ? { seeds: o.seeds, autoSeeds: undefined } : {}),
    epochs: o.epochs ?? suite.epochs,
    reference: labels.includes(suite.reference) ? suite.reference : undefined,
    tune: o.tune ? (suite.tune ?? {}) : suite.tune,
  });
}

/**
 * Imports the modules a run's processes need (the suite file, when it defines optimizers),
 * refusing one that is gone or changed since the run started: its optimizers would not be
 * the ones the run's records were made with.
 */
export async function importRunModules(config: RunConfig, dir: string): Promise<void> {
  for (const m of config.modules ?? []) {
    if (!existsSync(m.path)) throw new UsageError(`--resume ${dir}: ${m.path}, which defines the suite's optimizers, no longer exists`);
    const now = fileHash(m.path);
    if (now !== m.sha256)
      throw new UsageError(
        `--resume ${dir}: ${m.path} changed since the run started (SHA-256 ${now.slice(0, 12)}, recorded ${m.sha256.slice(0, 12)}); ` +
          `its optimizers would not be the ones the run's cells were trained with`,
      );
  }
  await importOnce((config.modules ?? []).map((m) => m.path));
}
