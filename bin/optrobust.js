#!/usr/bin/env node
// optrobust's command line. The installed package runs the built JavaScript in dist/. A
// checkout of the repository (where harness/cli.ts exists) runs its sources compiled to
// .build/ (bin/build.mjs: rebuilt in about 0.3 s whenever a source file changed, so there is
// no build step between editing a file and running it), or, should that fail, the
// TypeScript sources through tsx's loader.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
let code = join(root, 'dist');
if (existsSync(join(root, 'harness', 'cli.ts'))) {
  code = undefined;
  try {
    const { ensureBuild } = await import('./build.mjs');
    code = await ensureBuild(root);
  } catch (e) {
    process.stderr.write(`optrobust: could not compile the sources to .build/ (${e.message}); running them through tsx\n`);
  }
}
const load = (file) => import(pathToFileURL(join(code, file)).href);

// `run` starts its worker processes now, before the library loads: they start in parallel with
// this process (src/runner/start-pool.ts). The command takes them over, or stops them.
let pool;
if (code && argv[0] === 'run' && !argv.includes('--help') && !argv.includes('-h')) {
  const at = argv.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  const given = at < 0 ? undefined : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  const workers = given === undefined ? cpus().length : Number(given);
  if (Number.isInteger(workers) && workers >= 1 && workers <= 8 * cpus().length) {
    pool = await load('src/runner/start-pool.js');
    pool.prestart(workers);
  }
}

let main;
if (code) ({ main } = await load('harness/cli.js'));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(join(root, 'harness', 'cli.ts')).href));
}
process.exitCode = await main(argv);
await pool?.releasePrestarted();
