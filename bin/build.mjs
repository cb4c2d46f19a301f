// A checkout's fast start: the TypeScript sources (src/, harness/, suites/) compiled to plain
// JavaScript with esbuild (about 0.3 s for all of them) into .build/<stamp>/, where the stamp
// is every source file's path, size and modification time. A command (and each pool worker)
// then loads JavaScript directly instead of transforming TypeScript through a loader hook on
// every start; an edited file makes a new stamp, so the next command rebuilds first and
// edit-and-run keeps working with no build step. Used only where harness/cli.ts exists; the
// installed package runs dist/ (`npm run build`).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const SOURCES = ['src', 'harness', 'suites'];
/** Builds kept beside the current one (other checkouts' states, commands still running from them). */
const KEEP = 3;

function sources(root) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(p);
    }
  };
  for (const s of SOURCES) walk(join(root, s));
  return out.sort();
}

/** esbuild keeps import specifiers as written: the sources' relative `.ts` imports become `.js`. */
const rewrite = (code) => code.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(\.\.?\/[^"]*?)\.ts"/g, '$1"$2.js"');

async function compile(root, files, into) {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: files,
    outdir: into,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    write: false,
    logLevel: 'silent',
  });
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, rewrite(f.text));
  }
}

/** The folder of the current build of `root`'s sources, made first when there is none. */
export async function ensureBuild(root) {
  const files = sources(root);
  const hash = createHash('sha256');
  for (const f of files) {
    const s = statSync(f);
    hash.update(`${relative(root, f)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  const base = join(root, '.build');
  const dir = join(base, hash.digest('hex').slice(0, 16));
  if (existsSync(join(dir, 'harness', 'cli.js'))) return dir;
  // Built aside and renamed into place: commands started at once (a test suite) never see half a build.
  const tmp = join(base, `.tmp-${process.pid}-${Date.now()}`);
  try {
    await compile(root, files, tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'harness', 'cli.js'))) throw e; // else another command built it first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  prune(base, dir);
  return dir;
}

/** Removes builds beyond the newest few, none younger than ten minutes (a command may still run from it). */
function prune(base, current) {
  const old = readdirSync(base)
    .filter((n) => !n.startsWith('.') && join(base, n) !== current)
    .map((n) => ({ path: join(base, n), mtime: statSync(join(base, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(KEEP);
  for (const b of old) if (Date.now() - b.mtime > 10 * 60_000) rmSync(b.path, { recursive: true, force: true });
}
