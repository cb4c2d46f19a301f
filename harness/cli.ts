// The command line: parses arguments, schedules, prints progress, calls the library.
// Exit codes: 0 success, 1 a cell failed (or, for compare, a regression), 2 usage or input error.
import { cpus } from 'node:os';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { fetchDataset, listDatasets, listOptimizers, listPerturbations, parseShard, resolveDatasetDir } from '../src/index.ts';
import { readManifest, type RunConfig } from '../src/experiment/manifest.ts';
import { readRecords } from '../src/experiment/store.ts';
import { writeRunOutputs } from '../src/report/write.ts';
import { SHIPPED_SUITES } from '../suites/index.ts';
import { applyOverrides, loadSuite, UsageError } from './load-suite.ts';
import { runGrid } from './runner.ts';
import { createProgress } from './progress.ts';
import { accuracyTable } from './table.ts';
import { mergeRuns } from './merge.ts';
import { compareCommand, type CompareFlags } from './compare.ts';

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new InvalidArgumentError(`${flag} expects a positive integer, got "${v}"`);
  return n;
};
const intList = (v: string) => {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError(`--seeds expects comma-separated non-negative integers, e.g. 0,1,2; got "${v}"`);
  return parts.map(Number);
};
const nameList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, '').replace(/[:T]/g, '-');

/** Points reports/latest at the newest run (replaced atomically through a temporary link). */
function linkLatest(dir: string): void {
  const parent = dirname(resolve(dir));
  const tmp = join(parent, `.latest.${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(basename(dir), tmp);
  renameSync(tmp, join(parent, 'latest'));
}

interface RunFlags {
  suite: string;
  optimizers?: string[];
  seeds?: number[];
  epochs?: number;
  dataDir?: string;
  out?: string;
  workers: number;
  threads: number;
  resume?: string;
  shard?: string;
  tune?: boolean;
}

async function runCommand(flags: RunFlags): Promise<number> {
  let dir: string;
  let config: RunConfig;
  let previous;
  if (flags.resume) {
    dir = flags.resume;
    previous = readManifest(dir);
    config = previous.config;
    const ignored = (['optimizers', 'seeds', 'epochs', 'dataDir', 'shard', 'tune'] as const).filter((k) => flags[k] !== undefined);
    if (ignored.length) throw new UsageError(`--resume takes the configuration from ${join(dir, 'run.json')}; drop ${ignored.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  } else {
    const suite = applyOverrides(await loadSuite(flags.suite), { optimizers: flags.optimizers, seeds: flags.seeds, epochs: flags.epochs, tune: flags.tune });
    const shard = flags.shard ? parseShard(flags.shard) : undefined;
    config = { suite, dataDir: flags.dataDir ? resolve(flags.dataDir) : undefined, shard };
    dir = flags.out ?? join('reports', `${suite.name}-${stamp()}${shard ? `-shard${shard.index}of${shard.count}` : ''}`);
    if (existsSync(join(dir, 'run.json'))) throw new UsageError(`--out ${dir}: already holds a run; use --resume ${dir} to finish it, or choose another folder`);
  }
  resolveDatasetDir(config.suite.dataset, config.dataDir); // fail before any worker starts
  mkdirSync(dir, { recursive: true });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`optrobust: suite "${config.suite.name}" -> ${dir} (${flags.workers} worker${flags.workers > 1 ? 's' : ''} x ${flags.threads} thread${flags.threads > 1 ? 's' : ''})`);
  const outcome = await runGrid({ dir, config, workers: flags.workers, threads: flags.threads, progress: createProgress(), previous });
  if (!flags.out && !flags.resume && basename(dirname(resolve(dir))) === 'reports') linkLatest(dir);
  process.stdout.write(`\n${accuracyTable(config.suite, outcome.records)}\n\n`);
  if (config.suite.tune && config.shard) log('tuned run, sharded: the matched-accuracy cells run after `optrobust merge` with `optrobust run --resume MERGED`');
  log(`ran ${outcome.ran} cell(s) in ${outcome.wallSeconds.toFixed(1)} s; report: ${join(dir, 'report.html')} (also results.csv, summary.csv, steps.csv, run.json)`);
  if (outcome.failures > 0) {
    log(`${outcome.failures} cell(s) failed; their errors are in ${join(dir, 'cells.jsonl')}. Re-run them with --resume ${dir}`);
    return 1;
  }
  return 0;
}

export function buildProgram(): Command {
  const program = new Command('optrobust')
    .description('Does the optimizer you train with change how robust your model is?')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('run', { isDefault: true })
    .description('train every (optimizer, seed) cell of a suite, evaluate robustness, write reports')
    .option('--suite <name|file>', `a shipped suite (${Object.keys(SHIPPED_SUITES).join(', ')}) or a suite file`, 'default')
    .option('--optimizers <labels>', 'only these optimizer entries of the suite, comma-separated', nameList)
    .option('--seeds <list>', 'override the seeds, e.g. 0,1,2', intList)
    .option('--epochs <n>', 'override the number of epochs', positiveInt('--epochs'))
    .option('--data-dir <dir>', "an IDX folder holding the suite's dataset (train/t10k images and labels)")
    .option('--out <dir>', 'run directory (default reports/<suite>-<timestamp>, linked from reports/latest)')
    .addOption(new Option('--workers <n>', 'parallel cells').default(cpus().length, 'the number of cores').argParser(positiveInt('--workers')))
    .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads'), 1)
    .option('--resume <dir>', 'finish an interrupted run: only the missing cells run')
    .option('--shard <k/n>', 'run slice k of n of the grid (join slices with `optrobust merge`)')
    .option('--tune', "tune each optimizer's learning rate on a validation split first (the suite's tune settings, or defaults)")
    .action(async (flags: RunFlags) => {
      process.exitCode = await runCommand(flags);
    });

  program
    .command('merge')
    .description('join the run directories of the shards of one run into one run')
    .argument('<dirs...>', 'shard run directories')
    .requiredOption('--out <dir>', 'merged run directory')
    .action(async (dirs: string[], flags: { out: string }) => {
      const n = await mergeRuns(dirs, flags.out);
      process.stderr.write(`merged ${dirs.length} shard(s), ${n} cell(s) -> ${flags.out}\n`);
    });

  const collect = (v: string, prev: string[] = []) => [...prev, v];
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
    .option('--fail-on-perf', 'exit 1 on a timing regression too')
    .option('--baseline-perf <file>', 'an `npm run perf` JSON file of the baseline')
    .option('--current-perf <file>', 'an `npm run perf` JSON file of the current run')
    .action(async (flags: CompareFlags) => {
      const r = await compareCommand(flags);
      process.stdout.write(r.markdown);
      process.stderr.write(`wrote ${join(r.out, 'compare.md')}, compare.csv, compare.json, compare.html\n`);
      process.exitCode = r.code;
    });

  program
    .command('report')
    .description("regenerate a run's result files from its store, without training")
    .argument('<dir>', 'run directory')
    .action(async (dir: string) => {
      const manifest = readManifest(dir);
      await writeRunOutputs(dir, manifest.config.suite, readRecords(dir), manifest);
      process.stderr.write(`rewrote the reports in ${dir}\n`);
    });

  program
    .command('list')
    .description('list shipped suites, optimizers, perturbations and datasets')
    .action(() => {
      const out = [
        `suites:        ${Object.keys(SHIPPED_SUITES).join(', ')}`,
        `optimizers:    ${listOptimizers().join(', ')}`,
        `perturbations: clean, ${listPerturbations().join(', ')}`,
        `datasets:      ${listDatasets().join(', ')}`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });

  const data = program.command('data').description('datasets');
  data
    .command('fetch')
    .description('download a dataset (fashion-mnist, mnist, kmnist) into the cache, verifying checksums')
    .argument('<name>', 'dataset name')
    .option('--dir <dir>', 'destination folder (default: ~/.cache/optrobust/<name>)')
    .option('--base-url <url>', 'download from a mirror')
    .action(async (name: string, flags: { dir?: string; baseUrl?: string }) => {
      const dir = await fetchDataset(name, {
        dir: flags.dir,
        baseUrl: flags.baseUrl,
        onFile: (file, status) => process.stderr.write(`${file}: ${status}\n`),
      });
      process.stderr.write(`${name} is in ${dir}\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    // Anything thrown is a usage or input problem (bad flag, file, suite or dataset): exit 2.
    process.stderr.write(`optrobust: ${(e as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
