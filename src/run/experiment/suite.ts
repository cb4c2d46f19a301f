// A suite: what to run. `defineSuite` validates a definition up front and every error
// names the suite, the field, the value and what was expected.
import type { ModelSpec } from '../../core/model/families/registry.ts';
import { regimeLabel, trainingProblem, type TrainingSpec } from '../train/regimes.ts';
import { SAM_DEFAULTS, samProblem, type SamOptions } from '../../core/optim/sam.ts';
import { InputError, show } from '../../errors.ts';
import { modelProblem, resolveModel } from '../../core/model/families/registry.ts';
import { listDatasets, userData, userDataProblem, type DatasetName, type UserData, type UserDatasetDefinition } from '../../core/data/sources.ts';
import { type DefinedOptimizerName, isUserOptimizer, optimizerDefinition, listOptimizers, type OptimizerName } from '../../core/optim/registry.ts';
import { resolveOptions, type Options } from '../../core/optim/optimizer.ts';
import { scheduleProblem, type Schedule } from '../../core/optim/schedule.ts';
import { CLEAN, listPerturbations, type PerturbationName, severityProblem } from '../../measure/perturb/registry.ts';
import type { Sweeps } from '../../measure/metrics/robustness.ts';
import { positiveInt } from '../../core/util/validate.ts';
import { TUNE_DEFAULTS, tuneMethodOf, tuneProblem, type TuneSpec } from '../tune/options.ts';
import { searchSpace, type Dimension } from '../../core/optim/space.ts';
import { autoSeedsProblem, candidateSeeds, resolveAutoSeeds, type AutoSeeds } from './auto-seeds.ts';
import { sharpnessProblem } from '../../measure/metrics/sharpness.ts';
import { robustRadiusProblem } from '../../measure/metrics/robust-radius.ts';
import { fourierProblem } from '../../measure/metrics/fourier-heatmap.ts';

export interface OptimizerEntry {
  /** How reports name this entry (default: the optimizer name), e.g. "momentum" for sgd + momentum. */
  readonly label?: string;
  /** A built-in optimizer's name, e.g. "sgd", or the `name` of one made with defineOptimizer. */
  readonly name: OptimizerName | DefinedOptimizerName;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly schedule?: Schedule;
  /** Wrap the optimizer in sharpness-aware minimisation: { rho (0.05), adaptive (false: SAM; true: ASAM) }; two gradients per step. */
  readonly sam?: Partial<SamOptions>;
}

export type { TuneSpec };

/** A suite's sweeps: each perturbation by name (a typo fails to compile), with its severities; `clean` takes none. */
export type SuiteSweeps = { readonly [P in PerturbationName | typeof CLEAN]?: readonly number[] };

export interface SuiteDefinition {
  readonly name: string;
  readonly description: string;
  /**
   * A built-in dataset's name (fashion-mnist-subset, mnist, cifar10, ...; --data-dir for another
   * folder of it), or the user's: { name, format: 'image-folder' | 'numpy', path, ...options }
   * (docs: README "Your own data"; --data-dir for another path).
   */
  readonly dataset: DatasetName | CheckedDatasetName | UserDatasetDefinition;
  /** A resolved suite's user dataset (defineSuite moves it here from `dataset`, which keeps the label). */
  readonly data?: UserData;
  /** Use only the first N training / test examples (small suites for tests). */
  readonly trainLimit?: number;
  readonly testLimit?: number;
  /** The model every optimizer trains; or `models`, several labelled models (a grid axis). */
  readonly model?: ModelSpec;
  /** Labelled models, each trained under every optimizer, e.g. { sigmoid: {...}, 'relu-bn': {...} }. */
  readonly models?: Readonly<Record<string, ModelSpec>>;
  readonly batchSize: number;
  readonly epochs: number;
  readonly optimizers: readonly OptimizerEntry[];
  /** The seeds; or { auto: { min, max, delta, ... } }: as many as decide every headline comparison (auto-seeds.ts). */
  readonly seeds: readonly number[] | { readonly auto: Partial<AutoSeeds> };
  /** Perturbation name -> severities. Clean accuracy is always measured. */
  readonly perturbations: SuiteSweeps;
  /**
   * How every optimizer trains (default { kind: 'standard' }): one regime, or several to
   * compare (a grid axis, the `regime` column): { kind: 'noise', sigma } or
   * { kind: 'adversarial', attack: 'pgd' | 'fgsm', eps, steps?, stepSize?, randomStart? }.
   */
  readonly training?: TrainingSpec | readonly TrainingSpec[];
  /**
   * Measure sharpness at the end of training: the Hessian's top eigenvalue and trace on a
   * seeded subset of the training set ({} for the defaults: 512 examples, 30 power iterations,
   * 30 Hutchinson samples). Off by default: about 2·(iterations + samples) gradient passes per cell.
   */
  readonly sharpness?: { readonly examples?: number; readonly iterations?: number; readonly samples?: number };
  /**
   * Measure each cell's median robust radius: per test example, the smallest L∞ budget at
   * which PGD misclassifies it, by bisection ({} for the defaults: the first 500 test
   * examples, budgets up to 0.5, 8 bisection steps of 10-step PGD: about 90 input-gradient
   * passes over them per cell).
   */
  readonly robustRadius?: { readonly max?: number; readonly iterations?: number; readonly steps?: number; readonly examples?: number };
  /**
   * Draw each cell's Fourier heat map (Yin et al. 2019): test error under a perturbation of
   * L2 norm `eps` along each 2-D Fourier basis image ({} for the defaults: eps 3, the first
   * 500 test examples; about H·W/2 evaluations of them per cell). Written to fourier.csv.
   */
  readonly fourier?: { readonly eps?: number; readonly examples?: number };
  /** Label of the optimizer others are compared with (default: "sgd" when present, else the first entry). */
  readonly reference?: string;
  /** Keep every k-th training step in steps.csv (default 1: all). */
  readonly stepLogEvery?: number;
  /** Tune learning rates before the grid (also enabled by --tune). */
  readonly tune?: TuneSpec;
}

declare const checked: unique symbol;
/** A dataset label defineSuite has checked (a resolved suite's): spread into a new definition, it needs no second spelling check. */
export type CheckedDatasetName = string & { readonly [checked]: true };

/** A validated suite: every optimizer entry labelled and its options resolved against defaults. */
export interface Suite extends Omit<SuiteDefinition, 'optimizers' | 'dataset' | 'perturbations' | 'seeds'> {
  /** The seeds (with `autoSeeds`: every candidate; a run uses the first ones its looks need). */
  readonly seeds: readonly number[];
  /** The sequential seed procedure's options, when the suite asked for `seeds: { auto }`. */
  readonly autoSeeds?: AutoSeeds;
  /** The dataset's label: a built-in's name, or the name of the user's (`data`). */
  readonly dataset: CheckedDatasetName;
  readonly perturbations: Sweeps;
  readonly optimizers: readonly ResolvedOptimizer[];
  readonly reference: string;
  readonly stepLogEvery: number;
}

export interface ResolvedOptimizer {
  readonly label: string;
  readonly name: OptimizerName | DefinedOptimizerName;
  /** Defined with defineOptimizer outside the package: the suite's module registers it. */
  readonly user?: true;
  /** A user-defined optimizer's tuning range, recorded (built-ins' are in their definitions). */
  readonly lrRange?: readonly [number, number];
  readonly options: Options;
  /** What a quasirandom tuning searches for this arm (recorded: run.json says what was searched). */
  readonly space?: readonly (readonly [string, Dimension])[];
  readonly schedule?: Schedule;
  readonly sam?: SamOptions;
}

export class SuiteError extends InputError {
  constructor(suite: string, field: string, value: unknown, expected: string) {
    super(`suite "${suite}": ${field} = ${show(value)}; expected ${expected}`);
  }
}

/** Seeds are unsigned 32-bit integers: every one is written exactly and keys its own random streams. */
export const MAX_SEED = 4294967295;
export const isSeed = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_SEED;

/** What a name that labels results may look like: it is never a path. */
export const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

/**
 * Checks a suite and resolves its defaults. A definition names built-in datasets, optimizers and
 * perturbations by their types, so a typo fails to compile; a suite already resolved (one of
 * optrobust/suites, or run.json's) may be spread into a new one, its dataset name carried as checked.
 */
export function defineSuite(def: SuiteDefinition): Suite {
  const name = typeof def?.name === 'string' && def.name.length > 0 ? def.name : '(unnamed)';
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new SuiteError(name, field, value, expected);
  };
  if (typeof def !== 'object' || def === null) fail('suite', def, 'an object built with defineSuite({...})');
  if (name === '(unnamed)') fail('name', def.name, 'a non-empty string');
  // The name labels results and the default run folder, so it must not be able to name a path.
  if (!LABEL.test(def.name)) fail('name', def.name, 'a label: letters, digits and _ . + - (starting with a letter or digit, at most 64 characters)');
  if (typeof def.description !== 'string') fail('description', def.description, 'a string');
  const data = resolveDataset(def, fail);
  for (const key of ['trainLimit', 'testLimit'] as const) {
    if (def[key] !== undefined && !positiveInt(def[key])) fail(key, def[key], 'a positive integer');
  }
  if ((def.model === undefined) === (def.models === undefined))
    fail('model', def.model, 'a model spec { kind, ... }, or else `models`: labelled specs (one of the two)');
  const models: [string, unknown][] =
    def.model !== undefined ? [['model', def.model]] : Object.entries(def.models ?? {}).map(([label, m]) => [`models.${label}`, m]);
  if (def.models !== undefined && (typeof def.models !== 'object' || models.length === 0))
    fail('models', def.models, 'an object { label: model spec } with at least one entry');
  for (const [field, spec] of models) {
    const label = field.slice('models.'.length);
    if (field !== 'model' && !LABEL.test(label))
      fail(field, spec, `a label: letters, digits and _ . + - (starting with a letter or digit, at most 64 characters)`);
    const issue = modelProblem(spec);
    if (issue) fail(issue.field ? `${field}.${issue.field}` : field, issue.value, issue.expected);
  }
  if (!positiveInt(def.batchSize)) fail('batchSize', def.batchSize, 'a positive integer');
  // 0 epochs evaluates the initial weights as they are (an imported, pretrained model).
  if (!(Number.isInteger(def.epochs) && def.epochs >= 0))
    fail('epochs', def.epochs, 'a non-negative integer (0: evaluate the initial weights without training)');
  // seeds: { auto } becomes the candidate seeds and the procedure's options (a resolved suite read back has both).
  const block = !Array.isArray(def.seeds) && typeof def.seeds === 'object' && def.seeds !== null ? (def.seeds as Record<string, unknown>) : undefined;
  const extra = block && Object.keys(block).find((k) => k !== 'auto');
  if (block && (extra !== undefined || block.auto === undefined))
    fail(extra !== undefined ? `seeds.${extra}` : 'seeds', extra !== undefined ? block[extra] : def.seeds, 'a list of seeds, or { auto: { min, max, delta } }');
  const autoDef = block ? block.auto : (def as Partial<Suite>).autoSeeds;
  let autoSeeds: AutoSeeds | undefined;
  if (autoDef !== undefined) {
    const problem = autoSeedsProblem(autoDef, MAX_SEED);
    if (problem) fail(...problem);
    autoSeeds = resolveAutoSeeds(autoDef as Partial<AutoSeeds>);
  }
  const seeds = autoSeeds ? candidateSeeds(autoSeeds) : (def.seeds as readonly number[]);
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every(isSeed)) {
    fail('seeds', def.seeds, `a non-empty list of integers in 0..${MAX_SEED}, or { auto: { min, max, delta } }`);
  }
  if (new Set(seeds).size !== seeds.length) fail('seeds', def.seeds, 'no repeated seed');
  if (!Array.isArray(def.optimizers) || def.optimizers.length === 0) fail('optimizers', def.optimizers, 'a non-empty list of { name, options }');
  const optimizers = def.optimizers.map((entry, i): ResolvedOptimizer => {
    const field = `optimizers[${i}]`;
    // A resolved suite read back (run.json) keeps a user-defined optimizer's resolved options
    // even where its module is not imported (report, compare); where it runs, it is imported.
    const readBack = (entry as ResolvedOptimizer)?.user === true && !listOptimizers().includes(entry.name);
    if (!readBack && !listOptimizers().includes(entry?.name))
      fail(`${field}.name`, entry?.name, `one of ${listOptimizers().join(', ')} (or an optimizer made with defineOptimizer in the suite's module)`);
    let options: Options = (entry.options ?? {}) as Options;
    if (!readBack) {
      try {
        options = resolveOptions(optimizerDefinition(entry.name), entry.options ?? {});
      } catch (e) {
        fail(`${field}.options`, entry.options ?? {}, `valid ${entry.name} options (${(e as Error).message})`);
      }
    }
    const user = readBack || isUserOptimizer(entry.name);
    const lrRange = readBack ? (entry as ResolvedOptimizer).lrRange : user ? optimizerDefinition(entry.name).lrRange : undefined;
    const problem = entry.schedule ? scheduleProblem(entry.schedule, `${field}.schedule`) : undefined;
    if (problem) fail(`${field}.schedule`, entry.schedule, `a valid schedule (${problem})`);
    let sam: SamOptions | undefined;
    if (entry.sam !== undefined) {
      const issue = samProblem(entry.sam);
      if (issue) fail(issue[0] ? `${field}.sam.${issue[0]}` : `${field}.sam`, issue[1], issue[2]);
      sam = { ...SAM_DEFAULTS, ...entry.sam };
    }
    const label = entry.label ?? entry.name;
    if (!LABEL.test(label)) fail(`${field}.label`, label, 'a label: letters, digits and _ . + - (starting with a letter or digit, at most 64 characters)');
    return {
      label,
      name: entry.name,
      options,
      schedule: entry.schedule,
      ...(sam ? { sam } : {}),
      ...(user ? { user: true as const, ...(lrRange ? { lrRange } : {}) } : {}),
    };
  });
  const labels = optimizers.map((o) => o.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) fail('optimizers', labels, `unique labels (give one entry a label; "${dup}" appears twice)`);
  if (typeof def.perturbations !== 'object' || def.perturbations === null) fail('perturbations', def.perturbations, 'an object { name: [severities] }');
  for (const [p, severities] of Object.entries(def.perturbations)) {
    if (p === CLEAN) continue;
    if (!listPerturbations().includes(p)) fail(`perturbations.${p}`, severities, `a known perturbation name (${[CLEAN, ...listPerturbations()].join(', ')})`);
    if (!Array.isArray(severities) || severities.length === 0) fail(`perturbations.${p}`, severities, 'a non-empty list of severities');
    severities.forEach((s, i) => {
      const problem = severityProblem(p, s);
      if (problem) fail(`perturbations.${p}[${i}]`, s, problem.replace(/^severity .* expected /, ''));
    });
  }
  const reference = def.reference ?? (labels.includes('sgd') ? 'sgd' : labels[0]!);
  if (!labels.includes(reference)) fail('reference', def.reference, `one of the optimizer labels (${labels.join(', ')})`);
  // Option blocks: each module owns its block's options, defaults and checks.
  for (const problem of [
    tuneProblem(def.tune, labels, isSeed, `0..${MAX_SEED}`),
    sharpnessProblem(def.sharpness),
    robustRadiusProblem(def.robustRadius),
    fourierProblem(def.fourier),
  ])
    if (problem) fail(...problem);
  if (def.training !== undefined) {
    const list = Array.isArray(def.training) ? def.training : [def.training];
    const field = (i: number) => (Array.isArray(def.training) ? `training[${i}]` : 'training');
    if (list.length === 0) fail('training', def.training, 'a regime or a non-empty list of regimes');
    list.forEach((t, i) => {
      const problem = trainingProblem(t);
      if (problem) fail(problem[0] ? `${field(i)}.${problem[0]}` : field(i), problem[1], problem[2]);
      if (t.label !== undefined && !(typeof t.label === 'string' && LABEL.test(t.label)))
        fail(`${field(i)}.label`, t.label, 'a label: letters, digits and _ . + - (starting with a letter or digit, at most 64 characters)');
    });
    const regimeLabels = list.map(regimeLabel);
    const again = regimeLabels.find((l, i) => regimeLabels.indexOf(l) !== i);
    if (again) fail('training', regimeLabels, `regimes with distinct labels ("${again}" appears twice; give one a label)`);
  }
  const stepLogEvery = def.stepLogEvery ?? 1;
  if (!positiveInt(stepLogEvery)) fail('stepLogEvery', def.stepLogEvery, 'a positive integer');
  // Models that depend on something outside the suite (an ONNX file) record it: path and hash.
  const resolved =
    def.model !== undefined
      ? { model: resolveModel(def.model) }
      : { models: Object.fromEntries(Object.entries(def.models!).map(([k, m]) => [k, resolveModel(m)])) };
  // A quasirandom tuning's search space per arm, from its resolved options (space.ts).
  // The tuning protocol as run.json records it: method, and a quasirandom search's budget, written out.
  const method = def.tune ? tuneMethodOf(def.tune) : TUNE_DEFAULTS.method;
  const tune =
    def.tune === undefined
      ? undefined
      : method === 'grid'
        ? { ...def.tune, method, points: def.tune.points ?? TUNE_DEFAULTS.points }
        : { ...def.tune, method, budget: def.tune.budget ?? TUNE_DEFAULTS.budget };
  const spaced =
    tune?.method === 'quasirandom'
      ? optimizers.map((o, i) => {
          const recorded = (def.optimizers[i] as ResolvedOptimizer).space;
          if (recorded !== undefined || (o.user && !listOptimizers().includes(o.name))) return recorded ? { ...o, space: recorded } : o;
          const space = searchSpace(optimizerDefinition(o.name), o.options, {
            lrRange: tune.ranges?.[o.label] ?? o.lrRange,
            schedules: tune.schedules,
            fixedSchedule: o.schedule !== undefined,
            only: tune.search,
          });
          return { ...o, space };
        })
      : optimizers;
  return Object.freeze({
    ...def,
    ...data,
    ...resolved,
    ...(tune ? { tune } : {}),
    seeds,
    ...(autoSeeds ? { autoSeeds } : {}),
    optimizers: spaced,
    reference,
    stepLogEvery,
  });
}

const LABEL_EXPECTED = 'a label: letters, digits and _ . + - (starting with a letter or digit, at most 64 characters)';

/** The suite's dataset as a resolved suite holds it: a built-in's name, or a user dataset's label with its `data`. */
function resolveDataset(
  def: SuiteDefinition,
  fail: (field: string, value: unknown, expected: string) => never,
): { dataset: CheckedDatasetName; data?: UserData } {
  const d = def.dataset;
  if (typeof d === 'object' && d !== null && !Array.isArray(d)) {
    if (!(typeof d.name === 'string' && LABEL.test(d.name))) fail('dataset.name', d.name, LABEL_EXPECTED);
    if (listDatasets().includes(d.name)) fail('dataset.name', d.name, `a name that is not a built-in dataset's (${listDatasets().join(', ')})`);
    const { name: _n, format, path, ...options } = d;
    const problem = userDataProblem(format, path, options);
    if (problem) fail(...problem);
    return { dataset: d.name as CheckedDatasetName, data: userData(d) };
  }
  if (def.data !== undefined) {
    // A resolved suite read back (run.json, a re-validation): its user dataset is checked again.
    if (!(typeof d === 'string' && LABEL.test(d))) fail('dataset', d, LABEL_EXPECTED);
    const u = def.data;
    const problem = userDataProblem(u?.format, u?.path, u?.options ?? {});
    if (problem) fail(...problem);
    return { dataset: d as CheckedDatasetName, data: { format: u.format, path: u.path, options: u.options ?? {} } };
  }
  if (typeof d !== 'string' || !listDatasets().includes(d))
    fail('dataset', d, `one of ${listDatasets().join(', ')}, or your own: { name, format: 'image-folder' | 'numpy', path, ...options }`);
  return { dataset: d as CheckedDatasetName };
}
