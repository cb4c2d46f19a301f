// optrobust's public API: everything the harness uses is importable from here.
export { defineSuite, SuiteError, type Suite, type SuiteDefinition, type OptimizerEntry, type ResolvedOptimizer } from './experiment/suite.ts';
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
} from './experiment/grid.ts';
export type { Phase, PhaseTask, PlanInput, CellContext } from './experiment/phase.ts';
export { PHASES, phaseNamed } from './experiment/phases/index.ts';
export type { CellResult, TensorInfo, Checkpoint } from './experiment/phases/main.ts';
export type { TuneKey, TuneResult } from './experiment/phases/tune.ts';
export type { MatchedKey, MatchedResult } from './experiment/phases/matched.ts';
export { runPhases, runTask, inProcess, missingTasks, taskLabel, type Task, type Outcome, type Executor, type RunHooks } from './experiment/run.ts';
export { RunStore, STORE_FILE, StoreError, type CellRecord } from './experiment/store.ts';
export { acquireLock, LockedError } from './experiment/lock.ts';
export { readManifest, writeManifest, runIdentity, environment, MANIFEST_FORMAT, type RunConfig, type RunManifest } from './experiment/manifest.ts';
export { runView, armName, type RunView, type Series, type SummaryRow } from './results/view.ts';
export type { Measurement } from './experiment/measurement.ts';
export { metricInfo, listMetrics, type MetricInfo } from './metrics/catalog.ts';
export { writeRunOutputs } from './report/write.ts';
export { InputError, UsageError, ExternalError, WriteError } from './errors.ts';
export { createOptimizer, listOptimizers, optimizerDefinition } from './optim/registry.ts';
export type { Optimizer, OptimizerDefinition, Options, TensorRole } from './optim/optimizer.ts';
export { scheduledLr, type Schedule } from './optim/schedule.ts';
export { Network, type NetworkOptions } from './model/network.ts';
export { PORTABLE, EXPORT, type GraphTarget } from './onnx/graph.ts';
export { buildGraph, type GraphKind } from './model/graphs.ts';
export { importOnnx, importOnnxFile, SUPPORTED_OPS, type ImportedModel } from './model/import/import.ts';
export { OnnxFileError } from './model/import/file-error.ts';
export type { OnnxSpec, Preprocess } from './model/families/onnx.ts';
export { exportCell, type CellSelection, type ExportedModel } from './experiment/export.ts';
export { readWeights, writeWeights, WeightsError, type WeightsRef } from './experiment/weights.ts';
export { nativeTarget, nchwcBlockSize } from './onnx/nchwc.ts';
export { forwardMode, tangentName, FORWARD_MODE_OPS, type ForwardModeOptions } from './onnx/forward-mode.ts';
export { buildModel, listModels, modelFamily, modelLabel, modelProblem, type ModelSpec } from './model/families/registry.ts';
export type { ModelFamily, Problem } from './model/families/family.ts';
export { ModelBuilder, sequential, MODEL_INPUT, type ModelGraph, type ModelNode, type Value } from './model/model.ts';
export type { Layer, LayerKind, ParamSpec, BufferSpec, NoiseSpec, Shape } from './model/layer.ts';
export { loadDataset, listDatasets, resolveDatasetDir } from './data/sources.ts';
export type { Dataset, Split } from './data/dataset.ts';
export { loadIdxFolder } from './data/formats/idx.ts';
export type { DataFormat } from './data/formats/format.ts';
export { parseIdx, encodeIdx, DataError } from './data/idx.ts';
export { fetchDataset, FetchInterrupted, type FetchOptions } from './data/fetch.ts';
export { train, type TrainOptions, type TrainResult, type StepRecord } from './train/train.ts';
export { getPerturbation, listPerturbations, CLEAN } from './perturb/registry.ts';
export type { Perturbation, PerturbInput, GradientOracle } from './perturb/perturbation.ts';
export { evaluate } from './metrics/evaluate.ts';
export { evaluateSweeps, type Sweeps, type SweepPoint } from './metrics/robustness.ts';
export { PerturbedCache, PERTURBED_CACHE_BYTES } from './metrics/perturbed-cache.ts';
export { describe as describeSample, pairedTest, welchTest } from './metrics/stats.ts';
export { summarize, type Summary } from './metrics/summary.ts';
export { createRng } from './util/rng.ts';
export { batchTransform, regimeLabel, listRegimes, type TrainingSpec, type BatchTransform } from './train/regimes.ts';
export { samStep, SAM_DEFAULTS, type SamOptions } from './optim/sam.ts';
export { fourierHeatMap, fourierBasis, bandError, FOURIER_DEFAULTS, type FourierHeatMap, type FourierOptions } from './metrics/fourier-heatmap.ts';
export { robustRadius, ROBUST_RADIUS_DEFAULTS, type RobustRadius, type RobustRadiusOptions } from './metrics/robust-radius.ts';
export { sharpness, sharpnessSubset, SHARPNESS_DEFAULTS, type Sharpness, type SharpnessOptions } from './metrics/sharpness.ts';
export { expectedCalibrationError, ECE_BINS, type Scores } from './metrics/classification.ts';
export { spearman, spearmanInterval, relations, type Relation } from './results/relations.ts';
export { shardFromEnv, isAutoShard, type ShardFromEnv } from './experiment/shard-env.ts';
export { gitState, fileHash, type Provenance } from './experiment/provenance.ts';
export { buildHistory, findRuns, HistoryError, type History, type HistorySeries } from './history/history.ts';
export { historyCsv, historyHtml } from './history/render.ts';
export { changePoints, noiseVariance, type ChangePoint } from './history/change-points.ts';

// Running a suite in a pool of worker processes, as `optrobust run` does.
export { runGrid, Interrupted, SILENT, type Progress, type RunOptions, type RunOutcome } from './runner/pool.ts';
