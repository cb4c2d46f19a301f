// `optrobust evaluate`: an ONNX classifier as trained, through the perturbation sweep.
import { cpus } from 'node:os';
import { MiB, readRegularText } from '../../src/core/util/paths.ts';
import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { defineSuite } from '../../src/run/experiment/suite.ts';
import type { Sweeps } from '../../src/measure/metrics/robustness.ts';
import { listDatasets } from '../../src/index.ts';
import type { Suite } from '../../src/run/experiment/suite.ts';
import { UsageError } from '../../src/errors.ts';
import { loadSuite } from '../load-suite.ts';
import { runCommand } from './run.ts';
import { coreBound, numberList, PER_CORE, positiveInt, positiveNumber, seedList } from '../flags.ts';

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

export function register(program: Command): void {
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
}
