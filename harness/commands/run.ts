// `optrobust run`: a suite (or a prepared one: evaluate) resolved and checked before anything is
// written, run through the pool, the table printed, the exit code from what happened.
import { cpus } from 'node:os';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { fileHash, gitState, isAutoShard, parseShard, runIdentity, shardFromEnv, warmCharts, type Provenance } from '../../src/internals.ts';
import { armName, checkRunFolder, renderRunJson, runConfig, runView, usefulWorkers } from '../../src/index.ts';
import { nearChance, nearChanceText, unnormalised, unnormalisedText } from '../../src/run/results/chance.ts';
import { maskingFlags, maskingSentences } from '../../src/run/results/masking-flags.ts';
import { decodeProgress, loadDataFor, reportSkipped } from '../load-data.ts';
import { readManifest, type RunConfig, type RunManifest } from '../../src/run/experiment/manifest.ts';
import { taskLabel } from '../../src/run/experiment/run.ts';
import { phaseNamed } from '../../src/run/experiment/phases/index.ts';
import type { Suite } from '../../src/run/experiment/suite.ts';
import { UsageError, WriteError } from '../../src/errors.ts';
import { SHIPPED_SUITES } from '../../suites/index.ts';
import { applyOverrides, importRunModules, loadSuite, suiteFile } from '../load-suite.ts';
import { CHECKPOINT_EVERY, Interrupted, runGrid } from '../../src/runner/pool.ts';
import { adoptPrestarted, startPool, type WorkerPool } from '../../src/runner/start-pool.ts';
import type { Shard } from '../../src/run/experiment/grid.ts';
import { createProgress } from '../progress.ts';
import { accuracyTable, decisivenessLine } from '../table.ts';
import { EXIT, coreBound, nameList, PER_CORE, positiveInt, seconds, seedsOption } from '../flags.ts';

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

export interface RunFlags {
  /** undefined: the default suite (so that --resume can tell an explicit --suite). */
  suite?: string;
  optimizers?: string[];
  seeds?: number[] | 'auto';
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
  /** The headline scores as JSON on stdout (renderRunJson) instead of the table. */
  json?: boolean;
  /** A suite built here (evaluate) instead of --suite. */
  prepared?: Suite;
  /** Seconds between a training cell's checkpoints (0: none). */
  checkpointEvery?: number;
}

export async function runCommand(flags: RunFlags): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let dir: string;
  let config: RunConfig;
  let previous: RunManifest | undefined;
  let provenance: Provenance | undefined;
  // The worker processes start as soon as the suite says how many there will be, and load its
  // data while this process loads it too: their start is hidden behind the checks below.
  let pool: WorkerPool | undefined;
  let workers = 1;
  const early = async (suite: Suite, shard: Shard | undefined, dataDir: string | undefined, modules: RunConfig['modules']) => {
    workers = usefulWorkers({ suite, shard }, flags.workers);
    pool = (await adoptPrestarted(workers)) ?? startPool(workers);
    pool.warm(suite, dataDir, modules);
  };
  try {
    // Everything is checked (suite, shard, data) before the run folder is created.
    if (flags.resume) {
      dir = flags.resume;
      previous = readManifest(dir);
      config = previous.config;
      await importRunModules(config, dir);
      await early(config.suite, config.shard, config.dataDir, config.modules);
      // Flags that would change what the run is cannot apply to a run that exists: say so, never ignore them.
      const ignored = (['suite', 'optimizers', 'seeds', 'epochs', 'dataDir', 'shard', 'tune', 'out'] as const)
        .filter((k) => flags[k] !== undefined)
        .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      if (flags.weights === false) ignored.push('--no-weights');
      if (ignored.length)
        throw new UsageError(`--resume takes the configuration from ${join(dir, 'run.json')} and writes into ${dir}; drop ${ignored.join(', ')}`);
      const data = await loadDataFor(config.suite, config.dataDir);
      if (data.fingerprint !== config.data.fingerprint) {
        throw new UsageError(
          `--resume ${dir}: the data in ${data.dir} is not the data the run started with (fingerprint ` +
            `${data.fingerprint.slice(0, 12)}, the run's ${config.data.fingerprint.slice(0, 12)}); resuming would mix ` +
            `results of different data`,
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
      // Workers import the suite file to register the optimizers it defines.
      const modules = file && suite.optimizers.some((o) => o.user) ? [{ path: file, sha256: fileHash(file) }] : undefined;
      await early(suite, shard, flags.dataDir ? resolve(flags.dataDir) : undefined, modules);
      const git = gitState();
      provenance = {
        ...(git ? { git } : {}),
        ...(file ? { suiteFile: { path: file, sha256: fileHash(file) } } : {}),
        ...(chosen ? { shard: chosen.source } : {}),
      };
      // Every model and perturbation must fit the data before anything is written.
      const checked = await runConfig(suite, {
        dataDir: flags.dataDir ? resolve(flags.dataDir) : undefined,
        shard,
        keepWeights: flags.weights !== false,
        modules,
        onDecode: decodeProgress(suite.dataset),
      });
      reportSkipped(suite.dataset, checked.data);
      config = checked.config;
      // Engines give every array task the same command line: with --shard auto, --out names the
      // run's folder and each task writes its own shard-K inside it (`optrobust merge DIR` joins them).
      const auto = flags.out !== undefined && chosen !== undefined && isAutoShard(flags.shard!);
      dir = auto
        ? join(flags.out!, `shard-${shard!.index}`)
        : (flags.out ?? join('reports', `${suite.name}-${stamp()}${shard ? `-shard${shard.index}of${shard.count}` : ''}`));
      // An engine requeues a preempted task with the same command line: its shard continues
      // (from its cells' checkpoints) when it is this very run; anything else is refused.
      const earlier = auto && existsSync(join(dir, 'run.json')) ? readManifest(dir) : undefined;
      if (earlier && earlier.identity !== runIdentity(config))
        throw new UsageError(`--out ${flags.out}: ${dir} holds another run (a different suite, data or shard); choose another folder for this one`);
      if (earlier) {
        previous = earlier;
        config = earlier.config;
        provenance = undefined;
        log(`optrobust: ${dir} holds this shard's earlier attempt: continuing it`);
      } else checkRunFolder(dir, '--out', `use --resume ${dir} to finish it`);
    }
  } catch (e) {
    await pool?.destroy();
    throw e;
  }
  const interrupt = new AbortController();
  // ^C, and a batch engine's SIGTERM (Kubernetes, Slurm's preemption) or a closed terminal's
  // SIGHUP: no new cells, stored ones stay stored, exit 130 ("interrupted", so a retry policy
  // can requeue the task), and how to resume is said. A second signal exits at once.
  const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSigint = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
    log(`\noptrobust: ${signal}: stopping (send it again, or ^C, to quit at once)...`);
    interrupt.abort();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSigint);
  try {
    mkdirSync(dir, { recursive: true });
    log(
      `optrobust: suite "${config.suite.name}" -> ${dir} (${workers} worker${workers > 1 ? 's' : ''} x ${flags.threads} thread${flags.threads > 1 ? 's' : ''})`,
    );
    // The report's chart libraries load and warm up while the cells run, not after them.
    void warmCharts().catch(() => undefined);
    const outcome = await runGrid({
      dir,
      config,
      workers,
      threads: flags.threads,
      progress: createProgress(),
      previous,
      signal: interrupt.signal,
      provenance,
      pool,
      ...(flags.checkpointEvery !== undefined ? { checkpointEvery: flags.checkpointEvery } : {}),
    });
    if (!flags.out && !flags.resume && basename(dirname(resolve(dir))) === 'reports') linkLatest(dir);
    const view = runView(config.suite, outcome.records);
    if (flags.json) process.stdout.write(renderRunJson({ dir, view, ran: outcome.ran, failures: outcome.failures, wallSeconds: outcome.wallSeconds }));
    else {
      const decisive = decisivenessLine(view);
      process.stdout.write(`\n${accuracyTable(view)}\n\n${decisive ? `${decisive}\n\n` : ''}`);
    }
    if (config.suite.tune && config.shard)
      log('tuned run, sharded: the matched-accuracy cells run after `optrobust merge` with `optrobust run --resume MERGED`');
    log(
      `ran ${outcome.ran} cell(s) in ${outcome.wallSeconds.toFixed(1)} s; report: ${join(dir, 'report.html')} (also ` +
        `results.csv, summary.csv, ${config.suite.epochs > 0 ? 'steps.csv, ' : ''}run.json)`,
    );
    const problems = outcome.records.flatMap((r) => {
      const problem = r.kind === 'result' ? phaseNamed(r.phase).problem?.(r.result) : undefined;
      return problem ? [`${taskLabel(config.suite, r)}: ${problem}`] : [];
    });
    for (const p of problems.slice(0, 5)) log(`optrobust: ${p}`);
    for (const n of nearChance(view)) log(`optrobust: warning: ${armName(view, n.arm)}: ${nearChanceText(n)}`);
    for (const u of unnormalised(view)) log(`optrobust: warning: ${armName(view, u.arm)}: ${unnormalisedText(u)}`);
    for (const m of maskingSentences(maskingFlags(view))) log(`optrobust: warning: ${m}`);
    if (problems.length)
      log(
        `${problems.length} cell(s) gave numbers that are not finite (listed in the report's "Cells to look at"); the ` +
          `model or its preprocessing (--mean/--std/--scale) is broken`,
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
        `${e.reason instanceof Error ? e.reason.message : String(e.reason)}. Every cell reported done is stored; once ` +
          `the problem is fixed, finish the run with: optrobust run --resume ${dir}`,
      );
    throw e;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSigint);
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('train every (optimizer, seed) cell of a suite, evaluate robustness, write reports')
    .option('--suite <name|file>', `a shipped suite (${Object.keys(SHIPPED_SUITES).join(', ')}) or a suite file (default: default)`)
    .option('--optimizers <labels>', 'only these optimizer entries of the suite, comma-separated', nameList)
    .option('--seeds <list>', 'override the seeds, e.g. 0,1,2; or auto: add seeds until every comparison is decided', seedsOption)
    .option('--epochs <n>', 'override the number of epochs', positiveInt('--epochs'))
    .option('--data-dir <dir>', "a folder holding the suite's dataset in its format (IDX files for the MNIST family, the binary batches for cifar10)")
    .option('--out <dir>', 'run directory (default reports/<suite>-<timestamp>, linked from reports/latest)')
    .addOption(
      new Option('--workers <n>', 'parallel cells (at most the number of cells)')
        .default(cpus().length, 'the number of cores')
        .argParser(positiveInt('--workers', coreBound(), ` (${PER_CORE} per core on this machine)`)),
    )
    .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads', coreBound(), ` (${PER_CORE} per core on this machine)`), 1)
    .option('--resume <dir>', 'finish an interrupted run: only the missing cells run, a checkpointed cell from its checkpoint')
    .addOption(
      new Option('--checkpoint-every <seconds>', "save a training cell's state this often, so a stopped run loses at most that much of it (0: never)")
        .default(CHECKPOINT_EVERY)
        .argParser(seconds('--checkpoint-every')),
    )
    .option(
      '--shard <k/n|auto[/n]>',
      'run slice k of n of the grid (join slices with `optrobust merge`); auto: from the batch engine (Kubernetes, Slurm, AWS Batch, GitLab)',
    )
    .option('--tune', "tune each optimizer's learning rate on a validation split first (the suite's tune settings, or defaults)")
    .option(
      '--no-weights',
      "do not keep each trained model's final weights in <run>/weights (kept by default for `optrobust export`; 4 bytes per parameter per cell)",
    )
    .option('--json', "print the run's headline scores as one JSON object on stdout instead of the table (progress and warnings stay on stderr)")
    .action(async (flags: RunFlags) => {
      process.exitCode = await runCommand(flags);
    });
}
