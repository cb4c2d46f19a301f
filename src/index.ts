// optrobust's public API: define and run suites, read their results, bring your own optimizer,
// model or data. What the harness also uses to build its own pieces (the phase loop, the
// store, graph builders, the worker pool) is in ./internals.ts, published as optrobust/internals.
export {
  defineSuite,
  SuiteError,
  type Suite,
  type SuiteDefinition,
  type SuiteSweeps,
  type OptimizerEntry,
  type ResolvedOptimizer,
  type CheckedDatasetName,
} from './run/experiment/suite.ts';
export { runSuite, runConfig, checkRunFolder, usefulWorkers, type RunSuiteOptions, type RunConfigOptions, type RunResult } from './runner/run-suite.ts';
export { evaluateModel, evaluationSuite, type EvaluateModelOptions } from './runner/evaluate-model.ts';
export { readManifest, type RunConfig, type RunManifest } from './run/experiment/manifest.ts';
export { runView, armName, type RunView, type Series, type SummaryRow } from './run/results/view.ts';
export type { Dimension, Hyperparameters } from './core/optim/space.ts';
export type { BudgetRanking } from './run/results/budgets.ts';
export type { SeedLook, Comparison } from './run/results/auto-seeds.ts';
export type { LookInterval, Decision, SequentialOutcome } from './measure/metrics/sequential.ts';
export type { AutoSeeds } from './run/experiment/auto-seeds.ts';
export { metricInfo, listMetrics, type MetricInfo } from './measure/metrics/catalog.ts';
export { writeRunOutputs } from './present/report/write.ts';
export { renderRunJson, RUN_JSON_FORMAT, type RunJsonInput } from './present/report/run-json.ts';
export { headlineScores, headlineMetric, type HeadlineScore } from './run/results/headline.ts';
export { InputError, UsageError, ExternalError, WriteError } from './errors.ts';
export { createOptimizer, listOptimizers, optimizerDefinition, type OptimizerName, type DefinedOptimizerName } from './core/optim/registry.ts';
export {
  defineOptimizer,
  tensorOps,
  OptimizerDefinitionError,
  type OptimizerSpec,
  type OptionDefinition,
  type Tensor,
  type UpdateArgs,
} from './core/optim/define.ts';
export { checkTrajectory, replayTrajectory, TRAJECTORY_FORMAT, type Trajectory, type CheckResult, type Tolerance } from './core/optim/trajectory.ts';
export type { Optimizer, OptimizerDefinition, OptimizerState, Options, TensorRole, TrainingLoop } from './core/optim/optimizer.ts';
export { scheduledLr, type Schedule } from './core/optim/schedule.ts';
export { Network, type NetworkOptions } from './core/model/network.ts';
export { importOnnxFile, SUPPORTED_OPS, type ImportedModel } from './core/model/import/import.ts';
export { OnnxFileError } from './core/model/import/file-error.ts';
export type { OnnxSpec, Preprocess } from './core/model/families/onnx.ts';
export { exportCell, type CellSelection, type ExportedModel } from './run/experiment/export.ts';
export { readWeights, WeightsError, type WeightsRef } from './run/experiment/weights.ts';
export { listModels, modelLabel, type ModelSpec } from './core/model/families/registry.ts';
export { loadDataset, listDatasets } from './core/data/sources.ts';
export type { UserData, UserDatasetDefinition, DatasetName } from './core/data/sources.ts';
export type { Dataset, Split } from './core/data/dataset.ts';
export { DataError } from './core/data/idx.ts';
export { fetchDataset, FetchInterrupted, type FetchOptions } from './core/data/fetch.ts';
export { train, TrainingStopped, type TrainOptions, type TrainResult, type TrainState, type Snapshots, type StepRecord } from './run/train/train.ts';
export { getPerturbation, listPerturbations, CLEAN, type PerturbationName } from './measure/perturb/registry.ts';
export type { Perturbation, PerturbInput, GradientOracle } from './measure/perturb/perturbation.ts';
export { evaluate, type EvaluateOptions, type WatchedScores } from './measure/metrics/evaluate.ts';
export { evaluateSweeps, type Sweeps, type SweepPoint, type GalleryRequest } from './measure/metrics/robustness.ts';
export { describe as describeSample, pairedTest, welchTest } from './measure/metrics/stats.ts';
export { summarize, type Summary } from './measure/metrics/summary.ts';
export { createRng } from './core/util/rng.ts';
export { regimeLabel, listRegimes, type TrainingSpec } from './run/train/regimes.ts';
export type { Scores } from './measure/metrics/classification.ts';
export { buildHistory, findRuns, HistoryError, type History, type HistorySeries } from './present/history/history.ts';
export { historyCsv, historyHtml } from './present/history/render.ts';
export { Interrupted } from './runner/pool.ts';
export type { DatasetSpec } from './core/data/formats/format.ts';
export type { BoundName } from './core/model/bounds.ts';
export type { CnnSpec, ConvSpec } from './core/model/families/cnn.ts';
export type { Lenet5Spec } from './core/model/families/lenet5.ts';
export type { MlpSpec } from './core/model/families/mlp.ts';
export type { DenseInit } from './core/model/layers/dense.ts';
export type { ResnetSpec } from './core/model/families/resnet.ts';
export type { ActivationName } from './core/model/layer.ts';
export type { LogitLossName } from './core/model/logit-loss.ts';
export type { OptionsOf } from './core/optim/define.ts';
export type { OptionSpec, OptionValue } from './core/optim/optimizer.ts';
export type { Rng } from './core/util/rng.ts';
export type { Direction } from './measure/metrics/catalog.ts';
export type { Interval, TestResult } from './measure/metrics/stats.ts';
export type { ImageShape, Levels, SeverityRange, Threat } from './measure/perturb/perturbation.ts';
export type { HistoryOptions, HistoryPoint, HistoryRun } from './present/history/history.ts';
export type { Divergence } from './run/train/train.ts';
