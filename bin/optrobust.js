#!/usr/bin/env node
// optrobust's command line. The project is TypeScript run through tsx's loader, so
// there is no build step between editing a file and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli.ts');
process.exitCode = await main(process.argv.slice(2));
