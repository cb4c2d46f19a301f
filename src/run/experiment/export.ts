// A trained cell as a standalone ONNX model: the main phase's final weights (weights.ts) stored
// as initializers in the model's evaluation graph, with standard operators in their standard
// forms (batch norm as BatchNormalization with its running statistics), input "x" of shape
// [N, ...example shape] in [0, 1] pixels (an imported model's preprocessing stays inside),
// output "logits". onnxruntime or any other ONNX runtime runs it; `import` reads it back.
import { InputError } from '../../errors.ts';
import { buildModel } from '../../core/model/families/registry.ts';
import { buildGraph } from '../../core/model/graphs.ts';
import { EXPORT, withMetadata } from '../../core/onnx/graph.ts';
import { PREPROCESS_KEY } from '../../core/model/families/onnx.ts';
import { readManifest } from './manifest.ts';
import { RunStore } from './store.ts';
import { suiteArms, type CellKey } from './grid.ts';
import { readWeights } from './weights.ts';
import { GRID } from './phases/index.ts';

export interface CellSelection {
  readonly optimizer: string;
  readonly seed: number;
  /** Needed when the suite has several models. */
  readonly model?: string;
  /** Needed when the suite has several regimes. */
  readonly regime?: string;
}

export interface ExportedModel {
  readonly bytes: Uint8Array;
  readonly key: CellKey;
}

const list = (xs: readonly string[]) => [...new Set(xs)].join(', ');

/** The ONNX model of one trained cell of the run in `dir`. */
export function exportCell(dir: string, sel: CellSelection): ExportedModel {
  const manifest = readManifest(dir);
  const { suite, data } = manifest.config;
  const arms = suiteArms(suite);
  const pick = <K extends 'model' | 'regime' | 'optimizer'>(field: K, value: string | undefined, flag: string) => {
    const values = [...new Set(arms.map((a) => a[field]))];
    if (value === undefined) {
      if (values.length === 1) return values[0]!;
      throw new InputError(`${dir}: the run has several ${field}s (${list(values)}); choose one with ${flag}`);
    }
    if (!values.includes(value)) throw new InputError(`${flag} ${value}: not in the run in ${dir} (it has ${list(values)})`);
    return value;
  };
  const model = pick('model', sel.model, '--model');
  const regime = pick('regime', sel.regime, '--regime');
  const optimizer = pick('optimizer', sel.optimizer, '--optimizer');
  if (!suite.seeds.includes(sel.seed)) throw new InputError(`--seed ${sel.seed}: not a seed of the run in ${dir} (it has ${suite.seeds.join(', ')})`);
  const arm = arms.find((a) => a.model === model && a.regime === regime && a.optimizer === optimizer)!;
  const records = new RunStore(dir, manifest.identity).records();
  const record = records.find(
    (r) => r.phase === GRID.name && r.key.model === model && r.key.regime === regime && r.key.optimizer === optimizer && r.key.seed === sel.seed,
  );
  const cell = `${optimizer} seed ${sel.seed}${arms.some((a) => a.model !== model) ? ` (${model})` : ''}`;
  if (!record) throw new InputError(`${dir}: ${cell} has not finished; finish the run with: optrobust run --resume ${dir}`);
  if (record.kind === 'failure') throw new InputError(`${dir}: ${cell} failed (its error is in cells.jsonl); there is no model to export`);
  if (!record.weights) {
    const diverged = (record.result as { diverged?: unknown }).diverged;
    const why = diverged
      ? 'the training diverged'
      : manifest.config.keepWeights
        ? 'it was stored before weights were kept'
        : 'the run was made with --no-weights';
    throw new InputError(`${dir}: ${cell} has no stored weights (${why})`);
  }
  if (!data.shape || data.numClasses === undefined)
    throw new InputError(`${dir}/run.json: lacks the example shape and class count (made by an earlier optrobust); re-run the suite to export its models`);
  const graph = buildModel(arm.modelSpec, data.shape, data.numClasses);
  const weights = readWeights(dir, record.weights);
  // The graph takes [0, 1] pixels (an imported model's preprocessing is inside it): stated for `evaluate` and other tools.
  const bytes = withMetadata(buildGraph(graph, 'predict', data.numClasses, EXPORT, weights), { [PREPROCESS_KEY]: '{}' });
  return { bytes, key: record.key };
}
