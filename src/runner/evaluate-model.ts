// Evaluating a trained model from code: what `optrobust evaluate` does, as one call. An ONNX
// classifier becomes a suite of its own (the file as the model with its weights, 0 epochs, one
// arm labelled "pretrained"; no optimizer ever steps), and runSuite runs it: the same run
// folder, files and report as the command line writes.
import { basename } from 'node:path';
import type { UserDatasetDefinition } from '../core/data/sources.ts';
import type { DatasetName } from '../core/data/sources.ts';
import type { Preprocess } from '../core/model/families/onnx.ts';
import { type CheckedDatasetName, defineSuite, type Suite, type SuiteSweeps } from '../run/experiment/suite.ts';
import { runSuite, type RunResult, type RunSuiteOptions } from './run-suite.ts';

export interface EvaluateModelOptions {
  /** The classifier: an ONNX file (torch.onnx.export, tf2onnx). */
  readonly model: string;
  /** The test data it was trained for: a built-in dataset, or your own ({ name, format: 'image-folder' | 'numpy', path, ...options }). */
  readonly dataset: DatasetName | CheckedDatasetName | UserDatasetDefinition;
  /** The perturbation sweep. */
  readonly perturbations: SuiteSweeps;
  /** The normalisation the model was trained with, applied inside the graph (else the file's metadata states it, or none). */
  readonly preprocess?: Preprocess;
  /** Seeds of the random perturbations (default [0]). */
  readonly seeds?: readonly number[];
  /** The first n test images only. */
  readonly testLimit?: number;
  /** Images per evaluation batch (default 128). */
  readonly batchSize?: number;
}

/** The suite `evaluate` runs for a model: checked as any suite is (SuiteError naming the field). */
export function evaluationSuite(o: EvaluateModelOptions): Suite {
  return defineSuite({
    name: 'evaluate',
    description: `${basename(o.model)} evaluated as trained (no training)`,
    dataset: o.dataset,
    ...(o.testLimit !== undefined ? { testLimit: o.testLimit } : {}),
    model: { kind: 'onnx', path: o.model, weights: 'file', ...(o.preprocess ? { preprocess: o.preprocess } : {}) },
    batchSize: o.batchSize ?? 128,
    epochs: 0,
    // No optimizer steps: sgd at lr 0 stands for "as trained".
    optimizers: [{ label: 'pretrained', name: 'sgd', options: { lr: 0 } }],
    seeds: o.seeds ?? [0],
    perturbations: o.perturbations,
  });
}

/** Evaluates an ONNX classifier as it is through a perturbation sweep, writing a run folder as `optrobust evaluate` does. */
export function evaluateModel(o: EvaluateModelOptions, run: RunSuiteOptions): Promise<RunResult> {
  return runSuite(evaluationSuite(o), { keepWeights: false, ...run });
}
