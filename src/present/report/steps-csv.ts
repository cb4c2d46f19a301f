// steps.csv: the training curves, one row per logged step; layers.csv: the same steps per
// parameter tensor (per-layer gradient diagnostics). Each cell's rows depend on that cell
// alone, so a run renders them as its cells finish (CellRows) and the files at its end are
// only joined: layers.csv is some 100,000 rows for the default grid, most of a second to
// format, which would otherwise all come after the last cell.
import { csvRows, toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { main, type CellResult } from '../../run/experiment/phases/main.ts';
import { cell } from './format.ts';
import type { CellKey } from '../../run/experiment/grid.ts';
import type { Suite } from '../../run/experiment/suite.ts';
import type { CellRecord } from '../../run/experiment/store.ts';
import { keyOf } from '../../run/experiment/store.ts';

export const STEP_COLUMNS = ['model', 'regime', 'optimizer', 'seed', 'epoch', 'step', 'lr', 'loss', 'grad_norm', 'update_norm'] as const;

export const LAYER_COLUMNS = [
  'suite',
  'dataset',
  'model',
  'regime',
  'optimizer',
  'seed',
  'epoch',
  'step',
  'layer',
  'tensor',
  'depth',
  'grad_norm',
  'update_norm',
  'param_norm',
] as const;

/** A cell's steps.csv rows, as CSV text (each line ended). */
function stepRows(k: CellKey, r: CellResult): string {
  const rows = r.steps.map((s) => [k.model, k.regime, k.optimizer, k.seed, s.epoch, s.step, s.lr, s.loss, s.gradNorm, s.updateNorm].map(cell));
  return csvRows(rows);
}

/** A cell's layers.csv rows, as CSV text (each line ended). */
function layerRows(suite: Pick<Suite, 'name' | 'dataset'>, k: CellKey, r: CellResult): string {
  const rows: string[][] = [];
  for (const s of r.steps) {
    r.tensors.forEach((t, i) => {
      const tensor = t.name.slice(t.layer.length + 1);
      rows.push(
        [
          suite.name,
          suite.dataset,
          k.model,
          k.regime,
          k.optimizer,
          k.seed,
          s.epoch,
          s.step,
          t.layer,
          tensor,
          t.depth,
          s.tensorGradNorms[i],
          s.tensorUpdateNorms[i],
          s.tensorParamNorms[i],
        ].map(cell),
      );
    });
  }
  return csvRows(rows);
}

/** Rows rendered ahead, per main-phase cell (its canonical key): filled while a run goes, read when its files are written. */
export class CellRows {
  private readonly steps = new Map<string, string>();
  private readonly layers = new Map<string, string>();
  /** Renders a finished cell's rows now. */
  add(suite: Pick<Suite, 'name' | 'dataset'>, record: CellRecord): void {
    if (record.kind !== 'result' || record.phase !== main.name) return;
    const id = keyOf(main.name, record.key);
    const r = record.result as CellResult;
    this.steps.set(id, stepRows(record.key, r));
    this.layers.set(id, layerRows(suite, record.key, r));
  }
  /** @internal */
  stepsOf(k: CellKey, r: CellResult): string {
    return this.steps.get(keyOf(main.name, k)) ?? stepRows(k, r);
  }
  /** @internal */
  layersOf(suite: Pick<Suite, 'name' | 'dataset'>, k: CellKey, r: CellResult): string {
    return this.layers.get(keyOf(main.name, k)) ?? layerRows(suite, k, r);
  }
}

export function stepsCsv(view: RunView, ahead = new CellRows()): string {
  let out = toCsv(STEP_COLUMNS, []);
  for (const { key, result } of phaseResults(view.records, main)) out += ahead.stepsOf(key, result);
  return out;
}

export function layersCsv(view: RunView, ahead = new CellRows()): string {
  let out = toCsv(LAYER_COLUMNS, []);
  for (const { key, result } of phaseResults(view.records, main)) out += ahead.layersOf(view.suite, key, result);
  return out;
}
