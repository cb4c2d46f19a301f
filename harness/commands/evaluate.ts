// `optrobust evaluate`: an ONNX classifier as trained, through the perturbation sweep.
import { cpus } from 'node:os';
import { MiB, readRegularText } from '../../src/core/util/paths.ts';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { evaluationSuite } from '../../src/runner/evaluate-model.ts';
import type { Sweeps } from '../../src/measure/metrics/robustness.ts';
import { listDatasets, type DatasetName } from '../../src/index.ts';
import type { Suite, SuiteDefinition } from '../../src/run/experiment/suite.ts';
import { userFormats } from '../../src/core/data/formats/index.ts';
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
  channels?: number;
  size?: number[];
  seeds: number[];
  testLimit?: number;
  out?: string;
  workers: number;
  threads: number;
  json?: boolean;
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

/** The dataset flags name: a built-in, a user format with --data-dir (image-folder, numpy), or the --suite's. */
function evaluationData(flags: EvaluateFlags, base: Suite | undefined): SuiteDefinition['dataset'] {
  const imageOptions = {
    ...(flags.channels ? { channels: flags.channels } : {}),
    ...(flags.size ? { size: flags.size.length === 1 ? flags.size[0] : flags.size } : {}),
  };
  if (flags.dataset && userFormats().includes(flags.dataset)) {
    if (!flags.dataDir) throw new UsageError(`--dataset ${flags.dataset} reads the folder or file given with --data-dir; add --data-dir PATH`);
    if (flags.dataset !== 'image-folder' && Object.keys(imageOptions).length)
      throw new UsageError('--channels and --size apply to --dataset image-folder only');
    return { name: flags.dataset, format: flags.dataset, path: flags.dataDir, ...imageOptions };
  }
  if (Object.keys(imageOptions).length) throw new UsageError('--channels and --size apply to --dataset image-folder only');
  if (!flags.dataset && base?.data) return { name: base.dataset, format: base.data.format, path: base.data.path, ...base.data.options };
  // Checked after the model (evaluationSuite): a model's own problems are named first.
  // A name from the command line: defineSuite checks it against the built-in datasets.
  return (flags.dataset ?? base?.dataset ?? 'fashion-mnist-subset') as DatasetName;
}

/** The suite `evaluate` runs: the library's evaluationSuite from the flags. */
async function evaluationSuiteFrom(flags: EvaluateFlags): Promise<Suite> {
  const base = flags.suite ? await loadSuite(flags.suite) : undefined;
  const preprocess = flags.scale !== undefined || flags.mean || flags.std ? { scale: flags.scale, mean: flags.mean, std: flags.std } : undefined;
  const suite = evaluationSuite({
    model: flags.model,
    dataset: evaluationData(flags, base),
    ...(preprocess ? { preprocess } : {}),
    ...((flags.testLimit ?? base?.testLimit) !== undefined ? { testLimit: flags.testLimit ?? base?.testLimit } : {}),
    batchSize: base?.batchSize ?? 128,
    seeds: flags.seeds,
    perturbations: flags.perturbations ? readPerturbations(flags.perturbations) : (base?.perturbations ?? (await loadSuite('default')).perturbations),
  });
  // No silent default: a model scored on data it was not trained for gives wrong numbers, not an error.
  if (!flags.dataset && !base)
    throw new UsageError(
      `evaluate needs the test data the model was trained for: --dataset NAME (${listDatasets().join(', ')}), ` +
        `or --dataset image-folder|numpy with --data-dir PATH, or --suite FILE whose dataset it is`,
    );
  return suite;
}

function channelCount(v: string): number {
  if (v !== '1' && v !== '3') throw new InvalidArgumentError(`--channels expects 1 (grayscale) or 3 (RGB), got "${v}"`);
  return Number(v);
}

function imageSize(v: string): number[] {
  const parts = v.split(',').map((p) => Number(p.trim()));
  if (parts.length > 2 || parts.some((n) => !Number.isInteger(n) || n < 1 || n > 65536))
    throw new InvalidArgumentError(`--size expects a size in pixels (Resize + CenterCrop to a square) or height,width, got "${v}"`);
  return parts;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate a trained ONNX classifier as it is (no training): the perturbation sweep, results.csv, summary.csv and report.html')
    .requiredOption('--model <file.onnx>', 'the classifier (torch.onnx.export, tf2onnx); its input shape and class count must fit the dataset')
    .option(
      '--dataset <name>',
      `the test data, required (${listDatasets().join(', ')}, or the --suite's), or your own: ${userFormats().join(', ')} with --data-dir`,
    )
    .option(
      '--data-dir <path>',
      'a folder holding that dataset in its format; for image-folder the root folder, for numpy a .npz file or a folder of .npy files',
    )
    .option('--channels <n>', 'image-folder: convert every image to 1 (grayscale) or 3 (RGB) channels, as PIL does', channelCount)
    .option('--size <n|h,w>', "image-folder: resize as torchvision's Resize(n) + CenterCrop(n), or Resize((h, w))", imageSize)
    .option(
      '--perturbations <json|file>',
      'the sweep, e.g. \'{"fgsm": [0.03, 0.1], "gaussian_noise": [0.1]}\' (default: the --suite\'s, else the default suite\'s)',
    )
    .option('--suite <name|file>', 'take the dataset and the perturbation sweep from this suite')
    .option('--scale <x>', 'the model expects pixels times this (e.g. 255); applied inside the graph', positiveNumber('--scale'))
    .option('--mean <list>', 'per-channel mean the model subtracts after scaling, e.g. 0.286 or 0.485,0.456,0.406', numberList('--mean'))
    .option('--std <list>', 'per-channel standard deviation the model divides by', numberList('--std', true))
    .option('--seeds <list>', 'seeds of the random perturbations (noise draws), e.g. 0,1,2', seedList, [0])
    .option('--test-limit <n>', 'the first n test images only (as RobustBench evaluates AutoAttack on a fixed subset)', positiveInt('--test-limit', 10_000_000))
    .option('--out <dir>', 'run directory (default reports/evaluate-<timestamp>)')
    .addOption(
      new Option('--workers <n>', 'parallel cells (at most the number of seeds)')
        .default(cpus().length, 'the number of cores')
        .argParser(positiveInt('--workers', coreBound(), ` (${PER_CORE} per core on this machine)`)),
    )
    .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads', coreBound(), ` (${PER_CORE} per core on this machine)`), 1)
    .option('--json', "print the run's headline scores as one JSON object on stdout instead of the table")
    .action(async (flags: EvaluateFlags) => {
      const prepared = await evaluationSuiteFrom(flags);
      process.exitCode = await runCommand({
        suite: 'evaluate',
        prepared,
        // A user format's path is in the suite itself.
        dataDir: prepared.data ? undefined : flags.dataDir,
        out: flags.out,
        workers: flags.workers,
        threads: flags.threads,
        weights: false,
        json: flags.json,
      });
    });
}
