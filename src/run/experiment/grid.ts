// The grid of a suite. An *arm* is what one series of results describes: a model, a
// training regime and an optimizer entry, each by label; a *cell* is an arm and a seed.
// Arms come in a canonical order (models, then regimes, then optimizers, as the suite
// lists them), cells in arm order then seed order; `--shard K/N` takes every N-th cell.
import type { Suite, ResolvedOptimizer } from './suite.ts';
import type { ModelSpec } from '../../core/model/families/registry.ts';
import { modelLabel } from '../../core/model/families/registry.ts';
import { UsageError } from '../../errors.ts';
import { regimeLabel, type TrainingSpec } from '../train/regimes.ts';

/** The label of standard training (no regime transform). */
export const STANDARD = 'standard';

export interface ArmKey {
  readonly model: string;
  readonly regime: string;
  readonly optimizer: string;
}

export interface CellKey extends ArmKey {
  readonly seed: number;
}

export interface NamedModel {
  readonly label: string;
  readonly spec: ModelSpec;
}

export interface Arm extends ArmKey {
  /** Unique within the suite: model, regime and optimizer labels joined. */
  readonly id: string;
  readonly modelSpec: ModelSpec;
  readonly entry: ResolvedOptimizer;
  readonly training: TrainingSpec;
}

/** The suite's training regimes with their labels (the `regime` axis); standard when it names none. */
export function suiteRegimes(suite: Pick<Suite, 'training'>): { readonly label: string; readonly spec: TrainingSpec }[] {
  const list: readonly TrainingSpec[] =
    suite.training === undefined ? [{ kind: 'standard' }] : Array.isArray(suite.training) ? suite.training : [suite.training as TrainingSpec];
  return list.map((spec) => ({ label: regimeLabel(spec), spec }));
}

export const armId = (k: ArmKey): string => `${k.model}|${k.regime}|${k.optimizer}`;

/** The suite's models with their labels: `model` labelled by its description, or `models` by their keys. */
export function suiteModels(suite: Pick<Suite, 'model' | 'models'>): NamedModel[] {
  if (suite.model) return [{ label: modelLabel(suite.model), spec: suite.model }];
  return Object.entries(suite.models ?? {}).map(([label, spec]) => ({ label, spec }));
}

export function suiteArms(suite: Suite): Arm[] {
  return suiteModels(suite).flatMap((m) =>
    suiteRegimes(suite).flatMap((r) =>
      suite.optimizers.map((entry) => {
        const key = { model: m.label, regime: r.label, optimizer: entry.label };
        return { ...key, id: armId(key), modelSpec: m.spec, entry, training: r.spec };
      }),
    ),
  );
}

export function findArm(suite: Suite, key: ArmKey): Arm {
  const id = armId(key);
  const arm = suiteArms(suite).find((a) => a.id === id);
  if (!arm) throw new Error(`suite "${suite.name}" has no arm ${key.model} / ${key.regime} / ${key.optimizer}`);
  return arm;
}

/** The arm of the same model and regime trained with the suite's reference optimizer. */
export const referenceArm = (suite: Suite, k: ArmKey): ArmKey => ({ model: k.model, regime: k.regime, optimizer: suite.reference });

export function gridCells(suite: Suite): CellKey[] {
  return suiteArms(suite).flatMap((a) => suite.seeds.map((seed) => ({ model: a.model, regime: a.regime, optimizer: a.optimizer, seed })));
}

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${JSON.stringify(text)}: expected K/N with 1 <= K <= N, e.g. 2/4`);
  return { index, count };
}

/** Round-robin slice K of N: cell i belongs to shard (i mod N) + 1, which spreads optimizers evenly. */
export function shardCells<T>(cells: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...cells];
  return cells.filter((_, i) => i % shard.count === shard.index - 1);
}

/** How progress lines and messages name a cell: the optimizer, then the model and regime where the suite has several. */
export function cellLabel(suite: Suite, k: CellKey): string {
  return `${armLabel(suite, k)}/seed ${k.seed}`;
}

export function armLabel(suite: Suite, k: ArmKey): string {
  const models = suiteModels(suite).length > 1;
  return [k.optimizer, ...(models ? [k.model] : []), ...(k.regime !== STANDARD ? [k.regime] : [])].join(' · ');
}
