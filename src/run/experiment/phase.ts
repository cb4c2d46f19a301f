// An experiment phase as data: what its cells are (given the suite and what earlier phases
// recorded), how one runs, and what it records. The phase order and the loop that runs them
// are in run.ts; the worker pool and the in-process runner are two executors of the same
// tasks. Adding a phase is one file in phases/ and one line in phases/index.ts.
import type { Dataset } from '../../core/data/dataset.ts';
import type { Suite } from './suite.ts';
import type { CellKey, Shard } from './grid.ts';
import type { CellRecord } from './store.ts';
import type { Measurement } from './measurement.ts';
import type { PerturbedCache } from '../../measure/metrics/perturbed-cache.ts';
import type { CellCheckpoints } from './checkpoints.ts';
import type { Hyperparameters } from '../../core/optim/space.ts';

export interface CellContext {
  readonly suite: Suite;
  readonly dataset: Dataset;
  /** onnxruntime intra-op threads. */
  readonly threads?: number;
  /** Where a phase hands the final weights of a trained model, when the run keeps them. */
  readonly keepWeights?: (weights: readonly Float32Array[]) => void;
  /** Model-free perturbed test sets kept across this executor's cells. */
  readonly perturbed?: PerturbedCache;
  /** Marks the end of a stage of the cell (setup, train, evaluate): its seconds go into the record, for the benchmarks. */
  readonly lap?: (stage: string) => void;
  /** This cell's mid-cell checkpoints, when the run keeps them (phases train through shared.ts's trainCell). */
  readonly checkpoints?: CellCheckpoints;
}

export interface PlanInput {
  readonly suite: Suite;
  readonly shard?: Shard;
  /** Every complete record so far (failures included). */
  readonly records: readonly CellRecord[];
}

/** One cell of a phase to run: its key and what the phase derived for it from earlier phases (JSON-serialisable). */
export interface PhaseTask<K extends CellKey = CellKey, I = unknown> {
  readonly key: K;
  readonly input: I;
}

export interface Phase<K extends CellKey = CellKey, R = unknown, I = unknown> {
  /** Stored in every record and written in results: tune, main, matched. */
  readonly name: string;
  /** What it is, for messages and reports. */
  readonly title: string;
  /** How a shard treats it: every shard runs all its cells, a slice, or none (it needs the merged run). */
  readonly sharding: 'all' | 'slice' | 'none';
  /** The key's fields beyond (arm, seed), as text: "" or "lr 0.01" or "step 120". Part of the store key. */
  extra(key: K): string;
  /**
   * The phase's cells, or undefined when it does not apply to the suite or cannot be planned
   * yet (a phase before it lacks results; run.ts then stops there).
   */
  plan(p: PlanInput): PhaseTask<K, I>[] | undefined;
  run(ctx: CellContext, key: K, input: I): Promise<R>;
  /** A few words on a finished cell for the progress line. */
  outcome(result: R): string;
  /**
   * What makes a finished cell's numbers unusable though the cell did not fail (logits that
   * were not finite, so its accuracies are NaN); undefined when nothing does. The command
   * line says it and exits 1.
   */
  problem?(result: R): string | undefined;
  /** Its rows in results.csv (and so in summary.csv and compare); none for tuning trials (tuning.csv). */
  measurements(key: K, result: R): Measurement[];
  /** Orders its cells within an (arm, seed): the key's own number (tuning's lr, matched's step); 0 when it has none. */
  order(key: K): number;
  /** The learning rate a finished cell trained with, when the phase chose it (tuned); else the suite's. */
  lr?(key: K, result: R): number | undefined;
  /** Every hyperparameter tuning chose for a finished cell (a quasirandom search's point), when it did. */
  tuned?(key: K, result: R): Hyperparameters | undefined;
  /** The perturbation column of a failed cell's `failed` row (default: the phase's name, at severity order(key)). */
  readonly failedUnder?: string;
  /** Headline scores its accuracy rows get (results/scores.ts): from which metric, and whether against the reference arm's cell of this phase. */
  readonly scores?: { readonly metric: string; readonly againstReference: boolean };
}

/** Records of one phase with their results, typed. */
export function phaseResults<K extends CellKey, R>(records: readonly CellRecord[], phase: Phase<K, R>): { key: K; result: R }[] {
  return records.flatMap((r) => (r.kind === 'result' && r.phase === phase.name ? [{ key: r.key as K, result: r.result as R }] : []));
}
