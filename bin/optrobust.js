#!/usr/bin/env node
// optrobust's command line. The installed package runs the built JavaScript in dist/; a
// checkout of the repository (where harness/cli.ts exists) runs the TypeScript sources
// through tsx's loader, so there is no build step between editing a file and running it.
import { existsSync } from 'node:fs';

const sources = new URL('../harness/cli.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/harness/cli.js'));
}
process.exitCode = await main(process.argv.slice(2));
