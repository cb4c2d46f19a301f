// Imports a user's module (a suite file, the module of an optimizer it defines) by path, in
// the CLI and in every pool worker: exactly the file named, TypeScript included.
import { pathToFileURL } from 'node:url';

/** .ts when running from the sources (through tsx), .js when running the built package. */
export const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const TYPESCRIPT = /\.[mc]?ts$/;

/**
 * Imports exactly the file named. From the built package, a TypeScript file goes through
 * tsx's scoped loader (tsImport: no global hook, so a .mjs file is never swapped for a .mts
 * one) and JavaScript loads natively; from the sources, tsx is already loaded.
 */
export async function importExactly(url: string): Promise<unknown> {
  if (OWN_EXTENSION === '.js' && TYPESCRIPT.test(new URL(url).pathname)) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(url);
}

const imported = new Set<string>();

/** Imports each file once per process (a worker imports a suite's modules before its first cell). */
export async function importOnce(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    if (imported.has(path)) continue;
    await importExactly(pathToFileURL(path).href);
    imported.add(path);
  }
}
