// optrobust's public API: everything the harness uses is importable from here.
export {
  defineSuite,
  SuiteError,
  type Suite,
  type SuiteDefinition,
  type SuiteSweeps,
  type OptimizerEntry,
  type ResolvedOptimizer,
} from './run/experiment/suite.ts';
export {
  gridCells,
  shardCells,
  parseShard,
  suiteArms,
  suiteModels,
  armId,
  cellLabel,
  type Arm,
  type ArmKey,
  type CellKey,
  type Shard,
} from './run/experiment/grid.ts';
export type { Phase, PhaseTask, PlanInput, CellContext } from './run/experiment/phase.ts';
export { PHASES, phaseNamed } from './run/experiment/phases/index.ts';
export type { CellResult, TensorInfo, Checkpoint } from './run/experiment/phases/main.ts';
export type { TuneKey, TuneResult } from './run/experiment/phases/tune.ts';
export type { MatchedKey, MatchedResult } from './run/experiment/phases/matched.ts';
export { runPhases, runTask, inProcess, missingTasks, taskLabel, type Task, type Outcome, type Executor, type RunHooks } from './run/experiment/run.ts';
export { RunStore, STORE_FILE, StoreError, type CellRecord } from './run/experiment/store.ts';
export {
  runSuite,
  runConfig,
  checkRunFolder,
  usefulWorkers,
  type RunSuiteOptions,
  type RunConfigOptions,
  type RunResult,
} from './runner/run-suite.ts';
export { acquireLock, LockedError } from './run/experiment/lock.ts';
export { readManifest, writeManifest, runIdentity, environment, MANIFEST_FORMAT, type RunConfig, type RunManifest } from './run/experiment/manifest.ts';
export { runView, armName, type RunView, type Series, type SummaryRow } from './run/results/view.ts';
export type { Measurement } from './run/experiment/measurement.ts';
export { metricInfo, listMetrics, type MetricInfo } from './measure/metrics/catalog.ts';
export { writeRunOutputs } from './present/report/write.ts';
export { renderRunJson, RUN_JSON_FORMAT, type RunJsonInput } from './present/report/run-json.ts';
export { headlineScores, headlineMetric, type HeadlineScore } from './run/results/headline.ts';
export { warmCharts } from './present/report/charts.ts';
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
export type { Optimizer, OptimizerDefinition, Options, TensorRole } from './core/optim/optimizer.ts';
export { scheduledLr, type Schedule } from './core/optim/schedule.ts';
export { Network, type NetworkOptions } from './core/model/network.ts';
export { PORTABLE, EXPORT, type GraphTarget } from './core/onnx/graph.ts';
export { buildGraph, type GraphKind } from './core/model/graphs.ts';
export { importOnnx, importOnnxFile, SUPPORTED_OPS, type ImportedModel } from './core/model/import/import.ts';
export { OnnxFileError } from './core/model/import/file-error.ts';
export type { OnnxSpec, Preprocess } from './core/model/families/onnx.ts';
export { exportCell, type CellSelection, type ExportedModel } from './run/experiment/export.ts';
export { readWeights, writeWeights, WeightsError, type WeightsRef } from './run/experiment/weights.ts';
export { nativeTarget, nchwcBlockSize } from './core/onnx/nchwc.ts';
export { forwardMode, tangentName, FORWARD_MODE_OPS, type ForwardModeOptions } from './core/onnx/forward-mode.ts';
export { buildModel, listModels, modelFamily, modelLabel, modelProblem, type ModelSpec } from './core/model/families/registry.ts';
export type { ModelFamily, Problem } from './core/model/families/family.ts';
export { ModelBuilder, sequential, MODEL_INPUT, type ModelGraph, type ModelNode, type Value } from './core/model/model.ts';
export type { Layer, LayerKind, ParamSpec, BufferSpec, NoiseSpec, Shape } from './core/model/layer.ts';
export { loadDataset, loadSuiteData, suiteDataInfo, listDatasets, resolveDatasetDir, type DataInfo } from './core/data/sources.ts';
export type { UserData, UserDatasetDefinition } from './core/data/sources.ts';
export type { Dataset, Split } from './core/data/dataset.ts';
export { loadIdxFolder } from './core/data/formats/idx.ts';
export type { DataFormat } from './core/data/formats/format.ts';
export { parseIdx, encodeIdx, DataError } from './core/data/idx.ts';
export { fetchDataset, FetchInterrupted, type FetchOptions } from './core/data/fetch.ts';
export { train, type TrainOptions, type TrainResult, type StepRecord } from './run/train/train.ts';
export { getPerturbation, listPerturbations, classesProblem, CLEAN, type PerturbationName } from './measure/perturb/registry.ts';
export type { Perturbation, PerturbInput, GradientOracle } from './measure/perturb/perturbation.ts';
export { evaluate } from './measure/metrics/evaluate.ts';
export { evaluateSweeps, type Sweeps, type SweepPoint } from './measure/metrics/robustness.ts';
export { PerturbedCache, PERTURBED_CACHE_BYTES } from './measure/metrics/perturbed-cache.ts';
export { describe as describeSample, pairedTest, welchTest } from './measure/metrics/stats.ts';
export { summarize, type Summary } from './measure/metrics/summary.ts';
export { createRng } from './core/util/rng.ts';
export { batchTransform, regimeLabel, listRegimes, type TrainingSpec, type BatchTransform } from './run/train/regimes.ts';
export { samStep, SAM_DEFAULTS, type SamOptions } from './core/optim/sam.ts';
export { fourierHeatMap, fourierBasis, bandError, FOURIER_DEFAULTS, type FourierHeatMap, type FourierOptions } from './measure/metrics/fourier-heatmap.ts';
export { robustRadius, ROBUST_RADIUS_DEFAULTS, type RobustRadius, type RobustRadiusOptions } from './measure/metrics/robust-radius.ts';
export { sharpness, sharpnessSubset, SHARPNESS_DEFAULTS, type Sharpness, type SharpnessOptions } from './measure/metrics/sharpness.ts';
export { expectedCalibrationError, ECE_BINS, type Scores } from './measure/metrics/classification.ts';
export { spearman, spearmanInterval, relations, type Relation } from './run/results/relations.ts';
export { shardFromEnv, isAutoShard, type ShardFromEnv } from './run/experiment/shard-env.ts';
export { gitState, fileHash, type Provenance } from './run/experiment/provenance.ts';
export { buildHistory, findRuns, HistoryError, type History, type HistorySeries } from './present/history/history.ts';
export { historyCsv, historyHtml } from './present/history/render.ts';
export { changePoints, noiseVariance, type ChangePoint } from './present/history/change-points.ts';

// Running a suite in a pool of worker processes, as `optrobust run` does.
export { runGrid, Interrupted, SILENT, type Progress, type RunOptions, type RunOutcome } from './runner/pool.ts';

// Types the exported functions and classes above take or return: named so that users (and the API reference) can use them.
export type { DatasetSpec } from './core/data/formats/format.ts';
export type { IdxArray } from './core/data/idx.ts';
export type { BoundName } from './core/model/bounds.ts';
export type { CnnSpec, ConvSpec } from './core/model/families/cnn.ts';
export type { Lenet5Spec } from './core/model/families/lenet5.ts';
export type { MlpSpec } from './core/model/families/mlp.ts';
export type { DenseInit } from './core/model/layers/dense.ts';
export type { ResnetSpec } from './core/model/families/resnet.ts';
export type {
  ActivationName,
  BackwardRequest,
  BackwardResult,
  ConvGeometry,
  ForwardContext,
  Init,
  LayerValues,
  Mode,
  PoolGeometry,
} from './core/model/layer.ts';
export type { LogitLossName } from './core/model/logit-loss.ts';
export type { InputGradResult, SessionKind, TrainStepResult } from './core/model/network.ts';
export type { OptionsOf } from './core/optim/define.ts';
export type { OptionSpec, OptionValue } from './core/optim/optimizer.ts';
export type { Rng } from './core/util/rng.ts';
export type { Direction } from './measure/metrics/catalog.ts';
export type { Tally } from './measure/metrics/classification.ts';
export type { InputGradientNorms } from './measure/metrics/input-gradients.ts';
export type { Interval, TestResult } from './measure/metrics/stats.ts';
export type { ImageShape, Levels, SeverityRange, Threat } from './measure/perturb/perturbation.ts';
export type { HistoryOptions, HistoryPoint, HistoryRun } from './present/history/history.ts';
export type { CellRows } from './present/report/steps-csv.ts';
export type { NamedModel } from './run/experiment/grid.ts';
export type { Attempt, Environment, Timings } from './run/experiment/manifest.ts';
export type { AnyPhase } from './run/experiment/phases/index.ts';
export type { RunPhasesOptions } from './run/experiment/run.ts';
export type { RecordRows } from './run/results/view.ts';
export type { Divergence } from './run/train/train.ts';
export type { TuneChoice } from './run/tune/choose.ts';
export type { TuneSpec } from './run/tune/options.ts';
export type { WorkerPool } from './runner/start-pool.ts';
