import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { compareCommand, type CompareFlags } from '../compare.ts';
import { collect } from '../flags.ts';
import { renderJson } from '../../src/present/compare/render.ts';

export function register(program: Command): void {
  const fraction = (flag: string) => (v: string) => {
    const n = Number(v);
    if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${flag} expects a number between 0 and 1, got "${v}"`);
    return n;
  };
  program
    .command('compare')
    .description('compare a run against a baseline run of the same suite (exit 0: no regression, 1: regression, 2: usage or input error)')
    .requiredOption('--baseline <dir>', 'the baseline run directory')
    .requiredOption('--current <dir>', 'the run to judge')
    .option('--out <dir>', 'where compare.md/.csv/.json/.html go (default <current>/compare)')
    .option('--thresholds <file>', 'JSON: { "metric": threshold | { "direction": "higher"|"lower"|"diagnostic", "threshold": n } }')
    .option('--threshold <metric=value>', 'override one metric threshold (repeatable), e.g. accuracy=0.02', collect)
    .option('--alpha <q>', 'false-discovery rate for the Benjamini-Hochberg correction', fraction('--alpha'), 0.05)
    .option('--perf-threshold <fraction>', 'relative slow-down that counts as a timing regression', fraction('--perf-threshold'), 0.1)
    .option('--allow-mismatch', 'compare runs whose suite, dataset, model or hyperparameters differ (differences listed first)')
    .option('--allow-partial', 'compare even when the current run lacks cells the baseline has (they are listed)')
    .option('--fail-on-perf', 'exit 1 on a timing regression too')
    .option('--baseline-perf <file>', 'an `npm run perf` JSON file of the baseline')
    .option('--current-perf <file>', 'an `npm run perf` JSON file of the current run')
    .option('--json', 'print compare.json on stdout instead of the markdown summary')
    .action(async (flags: CompareFlags & { json?: boolean }) => {
      const r = await compareCommand(flags);
      process.stdout.write(flags.json ? renderJson(r.comparison) : r.markdown);
      process.stderr.write(`wrote ${join(r.out, 'compare.md')}, compare.csv, compare.json, compare.html\n`);
      process.exitCode = r.code;
    });
}
