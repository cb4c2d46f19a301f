// The command line: parses arguments, schedules, prints progress, calls the library.
// Exit codes: 0 success, 1 a cell failed (or, for compare, a regression), 2 usage or input error.
import { cpus } from 'node:os';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { checkOutputFile, checkOutputFolder, checkOwnFolder, MiB, readRegularText } from '../src/util/paths.ts';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { defineSuite, isSeed, MAX_SEED } from '../src/experiment/suite.ts';
import { exportCell } from '../src/experiment/export.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import type { Sweeps } from '../src/metrics/robustness.ts';
import { buildHistory, fileHash, gitState, historyCsv, historyHtml, isAutoShard, shardFromEnv, type Provenance } from '../src/index.ts';
import {
  CLEAN,
  fetchDataset,
  FetchInterrupted,
  getPerturbation,
  listDatasets,
  listModels,
  listOptimizers,
  listPerturbations,
  loadDataset,
  modelFamily,
  optimizerDefinition,
  parseShard,
} from '../src/index.ts';
import { packageVersion } from '../src/util/package-root.ts';
import { datasetSource } from '../src/data/sources.ts';
import { readManifest, type RunConfig, type RunManifest } from '../src/experiment/manifest.ts';
import { RunStore } from '../src/experiment/store.ts';
import { acquireLock } from '../src/experiment/lock.ts';
import { missingTasks, taskLabel } from '../src/experiment/run.ts';
import { phaseNamed } from '../src/experiment/phases/index.ts';
import { tuneCells } from '../src/experiment/phases/tune.ts';
import { suiteArms, suiteModels } from '../src/experiment/grid.ts';
import { buildModel } from '../src/model/families/registry.ts';
import type { Suite } from '../src/experiment/suite.ts';
import { writeRunOutputs } from '../src/report/write.ts';
import { ExternalError, InputError, UsageError, WriteError } from '../src/errors.ts';
import { SHIPPED_SUITES } from '../suites/index.ts';
import { applyOverrides, loadSuite, suiteFile } from './load-suite.ts';
import { Interrupted, runGrid } from './runner.ts';
import { createProgress } from './progress.ts';
import { accuracyTable } from './table.ts';
import { mergeRuns } from './merge.ts';
import { compareCommand, type CompareFlags } from './compare.ts';

/** Exit codes, as documented in README.md and `optrobust --help`. */
export const EXIT = { ok: 0, failed: 1, input: 2, fault: 3, interrupted: 130 } as const;

/** A positive integer flag, at most `max` (a bound that catches typos such as an extra digit). */
export const positiveInt =
  (flag: string, max = 1_000_000, why = '') =>
  (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) throw new InvalidArgumentError(`${flag} expects an integer from 1 to ${max}${why}, got "${v}"`);
    return n;
  };
export const seedList = (v: string) => {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || !isSeed(Number(p))))
    throw new InvalidArgumentError(`--seeds expects comma-separated integers in 0..${MAX_SEED}, e.g. 0,1,2; got "${v}"`);
  return parts.map(Number);
};
/** Workers and threads beyond this many per core only oversubscribe the machine. */
const PER_CORE = 8;
const coreBound = () => PER_CORE * cpus().length;
const nameList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An http(s) or file URL, checked before anything is fetched. */
function checkUrl(v: string, flag: string): void {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(v)}: not a URL; expected e.g. https://mirror.example.org/fashion-mnist/`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} ${v}: a ${url.protocol} URL; expected http: or https:`);
}

const stamp = () =>
  new Date()
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[:T]/g, '-');

/** Points reports/latest at the newest run (replaced atomically through a temporary link). */
function linkLatest(dir: string): void {
  const parent = dirname(resolve(dir));
  const tmp = join(parent, `.latest.${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(basename(dir), tmp);
  renameSync(tmp, join(parent, 'latest'));
}

interface RunFlags {
  /** undefined: the default suite (so that --resume can tell an explicit --suite). */
  suite?: string;
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
  /** false with --no-weights. */
  weights?: boolean;
  /** A suite built here (evaluate) instead of --suite. */
  prepared?: Suite;
}

async function runCommand(flags: RunFlags): Promise<number> {
  let dir: string;
  let config: RunConfig;
  let previous: RunManifest | undefined;
  let provenance: Provenance | undefined;
  // Everything is checked (suite, shard, data) before the run folder is created.
  if (flags.resume) {
    dir = flags.resume;
    previous = readManifest(dir);
    config = previous.config;
    // Flags that would change what the run is cannot apply to a run that exists: say so, never ignore them.
    const ignored = (['suite', 'optimizers', 'seeds', 'epochs', 'dataDir', 'shard', 'tune', 'out'] as const)
      .filter((k) => flags[k] !== undefined)
      .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (flags.weights === false) ignored.push('--no-weights');
    if (ignored.length)
      throw new UsageError(`--resume takes the configuration from ${join(dir, 'run.json')} and writes into ${dir}; drop ${ignored.join(', ')}`);
    const data = loadDataset(config.suite.dataset, config.dataDir);
    if (data.fingerprint !== config.data.fingerprint) {
      throw new UsageError(
        `--resume ${dir}: the data in ${data.dir} is not the data the run started with (fingerprint ${data.fingerprint.slice(0, 12)}, the run's ${config.data.fingerprint.slice(0, 12)}); resuming would mix results of different data`,
      );
    }
  } else {
    const suite =
      flags.prepared ??
      applyOverrides(await loadSuite(flags.suite ?? 'default'), { optimizers: flags.optimizers, seeds: flags.seeds, epochs: flags.epochs, tune: flags.tune });
    const chosen =
      flags.shard === undefined
        ? undefined
        : isAutoShard(flags.shard)
          ? shardFromEnv(flags.shard)
          : { shard: parseShard(flags.shard), source: `--shard ${flags.shard}` };
    const shard = chosen?.shard;
    const file = flags.prepared ? undefined : suiteFile(flags.suite ?? 'default');
    const git = gitState();
    provenance = {
      ...(git ? { git } : {}),
      ...(file ? { suiteFile: { path: file, sha256: fileHash(file) } } : {}),
      ...(chosen ? { shard: chosen.source } : {}),
    };
    const data = loadDataset(suite.dataset, flags.dataDir);
    // Every model must fit the data before anything is written (an imported file's input shape and classes).
    for (const { label, spec } of suiteModels(suite)) {
      try {
        buildModel(spec, data.shape, data.numClasses);
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new UsageError(
          `suite "${suite.name}": model ${label} cannot be built for ${suite.dataset} ([${data.shape.join(', ')}], ${data.numClasses} classes): ${(e as Error).message}`,
        );
      }
    }
    config = {
      suite,
      dataDir: flags.dataDir ? resolve(flags.dataDir) : undefined,
      shard,
      data: { fingerprint: data.fingerprint, shape: [...data.shape], numClasses: data.numClasses },
      keepWeights: flags.weights !== false,
    };
    dir = flags.out ?? join('reports', `${suite.name}-${stamp()}${shard ? `-shard${shard.index}of${shard.count}` : ''}`);
    if (existsSync(join(dir, 'run.json')))
      throw new UsageError(`--out ${dir}: already holds a run; use --resume ${dir} to finish it, or choose another folder`);
    // Nothing is written into a folder that holds anything else (a foreign store, another tool's files).
    checkOwnFolder(dir, '--out', [], 'a run needs a new or empty folder');
  }
  // More workers than cells would only start idle processes.
  const workers = Math.min(flags.workers, Math.max(1, ...phaseSizes(config)));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(EXIT.interrupted); // a second ^C: stop at once
    log('\noptrobust: stopping (^C again to quit at once)...');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    mkdirSync(dir, { recursive: true });
    log(
      `optrobust: suite "${config.suite.name}" -> ${dir} (${workers} worker${workers > 1 ? 's' : ''} x ${flags.threads} thread${flags.threads > 1 ? 's' : ''})`,
    );
    const outcome = await runGrid({ dir, config, workers, threads: flags.threads, progress: createProgress(), previous, signal: interrupt.signal, provenance });
    if (!flags.out && !flags.resume && basename(dirname(resolve(dir))) === 'reports') linkLatest(dir);
    process.stdout.write(`\n${accuracyTable(config.suite, outcome.records)}\n\n`);
    if (config.suite.tune && config.shard)
      log('tuned run, sharded: the matched-accuracy cells run after `optrobust merge` with `optrobust run --resume MERGED`');
    log(
      `ran ${outcome.ran} cell(s) in ${outcome.wallSeconds.toFixed(1)} s; report: ${join(dir, 'report.html')} (also results.csv, summary.csv, steps.csv, run.json)`,
    );
    const problems = outcome.records.flatMap((r) => {
      const problem = r.kind === 'result' ? phaseNamed(r.phase).problem?.(r.result) : undefined;
      return problem ? [`${taskLabel(config.suite, r)}: ${problem}`] : [];
    });
    for (const p of problems.slice(0, 5)) log(`optrobust: ${p}`);
    if (problems.length)
      log(
        `${problems.length} cell(s) gave numbers that are not finite (listed in the report's "Cells to look at"); the model or its preprocessing (--mean/--std/--scale) is broken`,
      );
    if (outcome.failures > 0) {
      log(`${outcome.failures} cell(s) failed; their errors are in ${join(dir, 'cells.jsonl')}. Re-run them with --resume ${dir}`);
    }
    return outcome.failures > 0 || problems.length ? EXIT.failed : EXIT.ok;
  } catch (e) {
    if (e instanceof Interrupted) {
      log(`optrobust: ${e.message}. Finish the run with: optrobust run --resume ${dir}`);
      return EXIT.interrupted;
    }
    if (e instanceof WriteError)
      throw new WriteError(
        e.file,
        `${e.reason instanceof Error ? e.reason.message : String(e.reason)}. Every cell reported done is stored; once the problem is fixed, finish the run with: optrobust run --resume ${dir}`,
      );
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

interface EvaluateFlags {
  model: string;
  dataset?: string;
  dataDir?: string;
  perturbations?: string;
  suite?: string;
  scale?: number;
  mean?: number[];
  std?: number[];
  seeds: number[];
  out?: string;
  workers: number;
  threads: number;
}

const positiveNumber = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${flag} expects a positive number, got "${v}"`);
  return n;
};
const numberList =
  (flag: string, positive = false) =>
  (v: string) => {
    const parts = v.split(',').map((p) => Number(p.trim()));
    if (parts.some((n) => !Number.isFinite(n) || (positive && n <= 0)))
      throw new InvalidArgumentError(`${flag} expects ${positive ? 'positive ' : ''}numbers separated by commas (one per channel, or one for all), got "${v}"`);
    return parts;
  };

/** --perturbations: inline JSON, or the path of a JSON file. */
function readPerturbations(v: string): Sweeps {
  let text = v;
  if (!v.trim().startsWith('{')) {
    text = readRegularText(v, {
      what: 'inline JSON or a JSON file',
      maxBytes: 1 * MiB,
      error: (f, problem) => new UsageError(`--perturbations ${f}: ${problem}`),
    });
  }
  try {
    return JSON.parse(text) as Sweeps;
  } catch (e) {
    throw new UsageError(`--perturbations: not valid JSON (${(e as Error).message}); expected e.g. {"fgsm": [0.03, 0.1]}`);
  }
}

/** The suite `evaluate` runs: the file as the model, 0 epochs, one arm labelled "pretrained". */
async function evaluationSuite(flags: EvaluateFlags): Promise<Suite> {
  const base = flags.suite ? await loadSuite(flags.suite) : undefined;
  const preprocess = flags.scale !== undefined || flags.mean || flags.std ? { scale: flags.scale, mean: flags.mean, std: flags.std } : undefined;
  return defineSuite({
    name: 'evaluate',
    description: `${basename(flags.model)} evaluated as trained (no training)`,
    dataset: flags.dataset ?? base?.dataset ?? 'fashion-mnist-subset',
    testLimit: base?.testLimit,
    model: { kind: 'onnx', path: flags.model, weights: 'file', ...(preprocess ? { preprocess } : {}) },
    batchSize: base?.batchSize ?? 128,
    epochs: 0,
    // No optimizer steps: sgd at lr 0 stands for "as trained".
    optimizers: [{ label: 'pretrained', name: 'sgd', options: { lr: 0 } }],
    seeds: flags.seeds,
    perturbations: flags.perturbations ? readPerturbations(flags.perturbations) : (base?.perturbations ?? (await loadSuite('default')).perturbations),
  });
}

/** How many cells each phase of the run can have at once (for capping the worker count). */
function phaseSizes(config: RunConfig): number[] {
  const { suite, shard } = config;
  const grid = Math.ceil((suiteArms(suite).length * suite.seeds.length) / (shard?.count ?? 1));
  return [grid, ...(suite.tune ? [tuneCells(suite).length] : [])];
}

export function buildProgram(): Command {
  const program = new Command('optrobust')
    .description('Does the optimizer you train with change how robust your model is?')
    .addHelpText(
      'after',
      '\nExit codes: 0 success; 1 a cell failed (run) or a regression (compare); 2 a usage or input error (nothing written);\n3 a write failed or an internal error; 130 interrupted (finish with --resume).',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('run')
    .description('train every (optimizer, seed) cell of a suite, evaluate robustness, write reports')
    .option('--suite <name|file>', `a shipped suite (${Object.keys(SHIPPED_SUITES).join(', ')}) or a suite file (default: default)`)
    .option('--optimizers <labels>', 'only these optimizer entries of the suite, comma-separated', nameList)
    .option('--seeds <list>', 'override the seeds, e.g. 0,1,2', seedList)
    .option('--epochs <n>', 'override the number of epochs', positiveInt('--epochs'))
    .option('--data-dir <dir>', "a folder holding the suite's dataset in its format (IDX files for the MNIST family, the binary batches for cifar10)")
    .option('--out <dir>', 'run directory (default reports/<suite>-<timestamp>, linked from reports/latest)')
    .addOption(
      new Option('--workers <n>', 'parallel cells (at most the number of cells)')
        .default(cpus().length, 'the number of cores')
        .argParser(positiveInt('--workers', coreBound(), ` (${PER_CORE} per core on this machine)`)),
    )
    .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads', coreBound(), ` (${PER_CORE} per core on this machine)`), 1)
    .option('--resume <dir>', 'finish an interrupted run: only the missing cells run')
    .option(
      '--shard <k/n|auto[/n]>',
      'run slice k of n of the grid (join slices with `optrobust merge`); auto: from the batch engine (Kubernetes, Slurm, AWS Batch, GitLab)',
    )
    .option('--tune', "tune each optimizer's learning rate on a validation split first (the suite's tune settings, or defaults)")
    .option(
      '--no-weights',
      "do not keep each trained model's final weights in <run>/weights (kept by default for `optrobust export`; 4 bytes per parameter per cell)",
    )
    .action(async (flags: RunFlags) => {
      process.exitCode = await runCommand(flags);
    });

  program
    .command('evaluate')
    .description('evaluate a trained ONNX classifier as it is (no training): the perturbation sweep, results.csv, summary.csv and report.html')
    .requiredOption('--model <file.onnx>', 'the classifier (torch.onnx.export, tf2onnx); its input shape and class count must fit the dataset')
    .option('--dataset <name>', `the test data (${listDatasets().join(', ')}; default fashion-mnist-subset, or the --suite's)`)
    .option('--data-dir <dir>', 'a folder holding that dataset in its format')
    .option(
      '--perturbations <json|file>',
      'the sweep, e.g. \'{"fgsm": [0.03, 0.1], "gaussian_noise": [0.1]}\' (default: the --suite\'s, else the default suite\'s)',
    )
    .option('--suite <name|file>', 'take the dataset and the perturbation sweep from this suite')
    .option('--scale <x>', 'the model expects pixels times this (e.g. 255); applied inside the graph', positiveNumber('--scale'))
    .option('--mean <list>', 'per-channel mean the model subtracts after scaling, e.g. 0.286 or 0.485,0.456,0.406', numberList('--mean'))
    .option('--std <list>', 'per-channel standard deviation the model divides by', numberList('--std', true))
    .option('--seeds <list>', 'seeds of the random perturbations (noise draws), e.g. 0,1,2', seedList, [0])
    .option('--out <dir>', 'run directory (default reports/evaluate-<timestamp>)')
    .addOption(
      new Option('--workers <n>', 'parallel cells (at most the number of seeds)')
        .default(cpus().length, 'the number of cores')
        .argParser(positiveInt('--workers', coreBound(), ` (${PER_CORE} per core on this machine)`)),
    )
    .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads', coreBound(), ` (${PER_CORE} per core on this machine)`), 1)
    .action(async (flags: EvaluateFlags) => {
      const prepared = await evaluationSuite(flags);
      process.exitCode = await runCommand({
        suite: 'evaluate',
        prepared,
        dataDir: flags.dataDir,
        out: flags.out,
        workers: flags.workers,
        threads: flags.threads,
        weights: false,
      });
    });

  program
    .command('export')
    .description("write a trained cell's model as a standalone ONNX file (weights inside, batch norm in evaluation form)")
    .argument('<dir>', 'run directory')
    .requiredOption('--optimizer <label>', 'the optimizer entry that trained it')
    .requiredOption('--seed <n>', 'its seed', (v: string) => seedList(v)[0]!)
    .option('--model <label>', 'the model, when the suite has several')
    .option('--regime <label>', 'the training regime, when the suite has several')
    .option('--out <file.onnx>', 'where to write it (default <dir>/models/[<model>-]<optimizer>-seed<n>.onnx)')
    .action((dir: string, flags: { optimizer: string; seed: number; model?: string; regime?: string; out?: string }) => {
      if (flags.out !== undefined) checkOutputFile(flags.out, '--out');
      const { bytes, key } = exportCell(dir, flags);
      const several = suiteModels(readManifest(dir).config.suite).length > 1;
      const out = flags.out ?? join(dir, 'models', `${several ? `${key.model}-` : ''}${key.optimizer}-seed${key.seed}.onnx`);
      if (flags.out === undefined) checkOutputFile(out, 'the default output');
      writeFileAtomic(out, bytes);
      process.stderr.write(
        `wrote ${out} (${(bytes.length / 1024).toFixed(0)} KiB): input "x" [N, ${readManifest(dir).config.data.shape!.join(', ')}] in [0, 1] pixels, output "logits"\n`,
      );
    });

  program
    .command('merge')
    .description('join the run directories of the shards of one run into one run')
    .argument('<dirs...>', 'shard run directories')
    .requiredOption('--out <dir>', 'merged run directory')
    .action(async (dirs: string[], flags: { out: string }) => {
      if (existsSync(join(flags.out, 'run.json'))) throw new UsageError(`--out ${flags.out}: already holds a run; merge into a new or empty folder`);
      checkOwnFolder(flags.out, '--out', [], 'merge into a new or empty folder');
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
    .option('--allow-partial', 'compare even when the current run lacks cells the baseline has (they are listed)')
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
      const release = acquireLock(dir);
      try {
        const records = new RunStore(dir, manifest.identity).records();
        await writeRunOutputs(dir, manifest.config.suite, records, manifest);
        process.stderr.write(`rewrote the reports in ${dir}\n`);
        const missing = missingTasks(manifest.config.suite, records, manifest.config.shard);
        if (missing.length) {
          process.stderr.write(
            `optrobust: warning: the run is incomplete: ${missing.length} cell(s) have no result (e.g. ${taskLabel(manifest.config.suite, missing[0]!)}); the reports show what there is. Finish it with: optrobust run --resume ${dir}\n`,
          );
        }
      } finally {
        release();
      }
    });

  program
    .command('history')
    .description('follow one suite across runs (nights): headline scores per run, change points, exit 1 when the latest run starts a change for the worse')
    .argument('<dirs...>', 'run directories, or folders holding them')
    .option('--out <dir>', 'where history.csv and history.html go', 'reports/history')
    .action((dirs: string[], flags: { out: string }) => {
      checkOwnFolder(flags.out, '--out', ['history.csv', 'history.html'], 'history writes history.csv and history.html into a folder of their own');
      const h = buildHistory(dirs);
      mkdirSync(flags.out, { recursive: true });
      writeFileAtomic(join(flags.out, 'history.csv'), historyCsv(h));
      writeFileAtomic(join(flags.out, 'history.html'), historyHtml(h));
      const changes = h.series.reduce((n, s) => n + s.changes.length, 0);
      process.stdout.write(`${h.runs.length} runs, ${h.series.length} series, ${changes} change point(s) -> ${join(flags.out, 'history.html')}\n`);
      for (const s of h.latestRegressions) process.stdout.write(`REGRESSION from the latest run: ${s.arm} · ${s.perturbation} · ${s.metric}\n`);
      if (h.latestRegressions.length) process.exitCode = EXIT.failed;
    });

  program
    .command('list')
    .description('list shipped suites, optimizers, perturbations, model families and datasets, each with what it is')
    .action(async () => {
      const section = (title: string, rows: readonly (readonly [string, string])[]) => {
        const w = Math.max(...rows.map(([n]) => n.length));
        return `${title}:\n${rows.map(([n, d]) => `  ${n.padEnd(w)}  ${d}`).join('\n')}`;
      };
      const suites = await Promise.all(Object.keys(SHIPPED_SUITES).map(async (n) => [n, (await loadSuite(n)).description] as const));
      const out = [
        section('suites', suites),
        section(
          'optimizers',
          listOptimizers().map((n) => [n, optimizerDefinition(n).description]),
        ),
        section('perturbations', [
          [CLEAN, 'the unperturbed test set'],
          ...listPerturbations().map((n) => {
            const p = getPerturbation(n);
            return [n, `${p.description} (severity: ${p.severity.unit})`] as const;
          }),
        ]),
        section(
          'models',
          listModels().map((k) => [k, modelFamily(k).description]),
        ),
        section(
          'datasets',
          listDatasets().map((n) => [n, datasetSource(n).description]),
        ),
      ];
      process.stdout.write(`${out.join('\n\n')}\n`);
    });

  const data = program.command('data').description('datasets');
  data
    .command('fetch')
    .description(
      `download a dataset (${listDatasets()
        .filter((n) => datasetSource(n).download)
        .join(', ')}) into the cache, verifying checksums`,
    )
    .argument('<name>', 'dataset name')
    .option('--dir <dir>', 'destination folder (default: ~/.cache/optrobust/<name>)')
    .option('--base-url <url>', 'download from a mirror')
    .action(async (name: string, flags: { dir?: string; baseUrl?: string }) => {
      if (flags.dir !== undefined) checkOutputFolder(flags.dir, '--dir');
      datasetSource(name);
      if (flags.baseUrl !== undefined) checkUrl(flags.baseUrl, '--base-url');
      // ^C or a batch engine's SIGTERM: the fetch removes what it started, then the command exits 130.
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      for (const s of signals) process.on(s, onSignal);
      try {
        const dir = await fetchDataset(name, {
          dir: flags.dir,
          baseUrl: flags.baseUrl,
          signal: stop.signal,
          onFile: (file, status) => process.stderr.write(`${file}: ${status}\n`),
        });
        process.stderr.write(`${name} is in ${dir}\n`);
      } catch (e) {
        if (!(e instanceof FetchInterrupted)) throw e;
        process.stderr.write(`optrobust: data fetch ${name} ${e.message}; run it again to fetch the dataset\n`);
        process.exitCode = EXIT.interrupted;
      } finally {
        for (const s of signals) process.off(s, onSignal);
      }
    });

  return program;
}

/** Codes of a failed system call that the user's input explains (a path that is not what it should be). */
const INPUT_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a component of the path is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ELOOP: 'a symbolic link loop',
  ENAMETOOLONG: 'the name is too long',
};
/** Codes of the world failing under a path: permissions, a read-only or full disk, I/O. */
const WORLD_CODES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  EBUSY: 'busy',
};

/** A Node system error on a path, as a message and an exit code; undefined for anything else (a bug). */
function systemError(e: unknown): { message: string; code: number } | undefined {
  const x = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof x.code !== 'string' || typeof x.syscall !== 'string') return undefined;
  const where = x.path ? `${x.path}${(x as { dest?: string }).dest ? ` -> ${(x as { dest?: string }).dest}` : ''}` : x.syscall;
  if (INPUT_CODES[x.code]) return { message: `${where}: ${INPUT_CODES[x.code]} (${x.syscall})`, code: EXIT.input };
  return { message: `${where}: ${WORLD_CODES[x.code] ?? x.code} (${x.syscall})`, code: EXIT.fault };
}

/**
 * The one error boundary: input problems (InputError: a flag, suite, data file or run folder)
 * exit 2 with their message; a failed write exits 3 naming the file; anything else is a fault,
 * shown with its stack, exit 3.
 */
export async function main(argv: string[], program: Command = buildProgram()): Promise<number> {
  if (argv.length === 0) {
    // No command: say what there is (a bare `optrobust` never starts a run in the current folder).
    process.stdout.write(program.helpInformation());
    return EXIT.ok;
  }
  // Actions report their status through process.exitCode; a previous call in the same process must not leak into this one.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.input;
    if (e instanceof InputError) {
      process.stderr.write(`optrobust: ${e.message}\n`);
      return EXIT.input;
    }
    if (e instanceof ExternalError) {
      process.stderr.write(`optrobust: ${e.message}\n`);
      return EXIT.fault;
    }
    // A system call that failed on a path is the world's or the user's doing, not a bug: say which path and why, no stack.
    const sys = systemError(e);
    if (sys) {
      process.stderr.write(`optrobust: ${sys.message}\n`);
      return sys.code;
    }
    process.stderr.write(`optrobust: internal error (please report it with the lines below)\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.fault;
  }
}
