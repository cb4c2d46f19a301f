// optrobust/internals: the pieces the command line is built from (phases, the store, the
// worker pool, graph builders, layers, statistics helpers). Importable and typed like the
// public API (./index.ts), but shaped by the harness's needs: it may change between minor versions.
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
export {
  runPhases,
  runTask,
  inProcess,
  missingTasks,
  taskLabel,
  type Task,
  type Outcome,
  type Executor,
  type RunHooks,
  type TaskCheckpoints,
} from './run/experiment/run.ts';
export {
  cellCheckpoints,
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  CHECKPOINTS_DIR,
  type CellCheckpoints,
  type CheckpointHeader,
  type CheckpointInfo,
  type CheckpointSettings,
} from './run/experiment/checkpoints.ts';
export { RunStore, STORE_FILE, StoreError, type CellRecord } from './run/experiment/store.ts';
export { acquireLock, LockedError } from './run/experiment/lock.ts';
export { writeManifest, runIdentity, environment, MANIFEST_FORMAT } from './run/experiment/manifest.ts';
export type { Measurement } from './run/experiment/measurement.ts';
export { warmCharts } from './present/report/charts.ts';
export { PORTABLE, EXPORT, type GraphTarget } from './core/onnx/graph.ts';
export { buildGraph, type GraphKind } from './core/model/graphs.ts';
export { importOnnx } from './core/model/import/import.ts';
export { writeWeights } from './run/experiment/weights.ts';
export { nativeTarget, nchwcBlockSize } from './core/onnx/nchwc.ts';
export { forwardMode, tangentName, FORWARD_MODE_OPS, type ForwardModeOptions } from './core/onnx/forward-mode.ts';
export { buildModel, modelFamily, modelProblem } from './core/model/families/registry.ts';
export type { ModelFamily, Problem } from './core/model/families/family.ts';
export { ModelBuilder, sequential, MODEL_INPUT, type ModelGraph, type ModelNode, type Value } from './core/model/model.ts';
export type { Layer, LayerKind, ParamSpec, BufferSpec, NoiseSpec, Shape } from './core/model/layer.ts';
export { loadSuiteData, suiteDataInfo, resolveDatasetDir, type DataInfo } from './core/data/sources.ts';
export { loadIdxFolder } from './core/data/formats/idx.ts';
export type { DataFormat } from './core/data/formats/format.ts';
export { parseIdx, encodeIdx } from './core/data/idx.ts';
export { classesProblem } from './measure/perturb/registry.ts';
export { PerturbedCache, PERTURBED_CACHE_BYTES } from './measure/metrics/perturbed-cache.ts';
export { batchTransform, type BatchTransform } from './run/train/regimes.ts';
export { samStep, SAM_DEFAULTS, type SamOptions } from './core/optim/sam.ts';
export { fourierHeatMap, fourierBasis, bandError, FOURIER_DEFAULTS, type FourierHeatMap, type FourierOptions } from './measure/metrics/fourier-heatmap.ts';
export { robustRadius, ROBUST_RADIUS_DEFAULTS, type RobustRadius, type RobustRadiusOptions } from './measure/metrics/robust-radius.ts';
export { sharpness, sharpnessSubset, SHARPNESS_DEFAULTS, type Sharpness, type SharpnessOptions } from './measure/metrics/sharpness.ts';
export { expectedCalibrationError, ECE_BINS } from './measure/metrics/classification.ts';
export { spearman, spearmanInterval, relations, type Relation } from './run/results/relations.ts';
export { shardFromEnv, isAutoShard, type ShardFromEnv } from './run/experiment/shard-env.ts';
export { gitState, fileHash, type Provenance } from './run/experiment/provenance.ts';
export { changePoints, noiseVariance, type ChangePoint } from './present/history/change-points.ts';
export { runGrid, SILENT, type Progress, type RunOptions, type RunOutcome } from './runner/pool.ts';
export type { IdxArray } from './core/data/idx.ts';
export type { BackwardRequest, BackwardResult, ConvGeometry, ForwardContext, Init, LayerValues, Mode, PoolGeometry } from './core/model/layer.ts';
export type { InputGradResult, SessionKind, TrainStepResult } from './core/model/network.ts';
export type { Tally } from './measure/metrics/classification.ts';
export type { InputGradientNorms } from './measure/metrics/input-gradients.ts';
export type { CellRows } from './present/report/steps-csv.ts';
export type { NamedModel } from './run/experiment/grid.ts';
export type { Attempt, Environment, Timings } from './run/experiment/manifest.ts';
export type { AnyPhase } from './run/experiment/phases/index.ts';
export type { RunPhasesOptions } from './run/experiment/run.ts';
export type { RecordRows } from './run/results/view.ts';
export type { TuneChoice, TuneScore } from './run/tune/choose.ts';
export type { TuneSpec } from './run/tune/options.ts';
export type { WorkerPool } from './runner/start-pool.ts';
export { normalisationProbe, NORMALISATION_GAIN, type NormalisationProbe } from './measure/metrics/normalisation.ts';
export { galleryIndices, galleryPixels, decodePixels, GALLERY_SIZE } from './measure/metrics/gallery.ts';
export { decisiveness, Q_ALPHA, type Decisiveness, type Range } from './run/results/decisiveness.ts';
export { packBits, unpackBits, testSetError } from './measure/metrics/test-noise.ts';
export { pairedPower, detectableDifference, seedsNeeded, normalCdf, POWER, ALPHA, STATED_DIFFERENCE, MAX_SEEDS } from './measure/metrics/power.ts';
