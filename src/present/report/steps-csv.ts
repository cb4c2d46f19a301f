// steps.csv: the training curves, one row per logged step; layers.csv: the same steps per
// parameter tensor (per-layer gradient diagnostics).
import { toCsv } from './csv.ts';
import type { RunView } from '../../run/results/view.ts';
import { phaseResults } from '../../run/experiment/phase.ts';
import { main } from '../../run/experiment/phases/main.ts';
import { cell } from './format.ts';

export const STEP_COLUMNS = ['model', 'regime', 'optimizer', 'seed', 'epoch', 'step', 'lr', 'loss', 'grad_norm', 'update_norm'] as const;

export function stepsCsv(view: RunView): string {
  const rows: string[][] = [];
  for (const { key: k, result: r } of phaseResults(view.records, main)) {
    for (const s of r.steps) rows.push([k.model, k.regime, k.optimizer, k.seed, s.epoch, s.step, s.lr, s.loss, s.gradNorm, s.updateNorm].map(cell));
  }
  return toCsv(STEP_COLUMNS, rows);
}

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

export function layersCsv(view: RunView): string {
  const { suite } = view;
  const rows: string[][] = [];
  for (const { key: k, result: r } of phaseResults(view.records, main)) {
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
  }
  return toCsv(LAYER_COLUMNS, rows);
}
