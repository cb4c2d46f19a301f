// The configurations of the PyTorch architecture reference (scripts/reference/architectures_reference.py):
// a residual network with batch norm and a deep sigmoid MLP, trained from optrobust's own
// initial weights and batch orders.
import type { ModelSpec } from '../../src/core/model/families/registry.ts';

export interface ArchitectureRun {
  readonly name: string;
  readonly model: ModelSpec;
  readonly optimizer: 'adam' | 'sgd';
  readonly lr: number;
  readonly momentum?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seeds: readonly number[];
  /**
   * The model is still escaping its plateau after these epochs (the deep sigmoid MLP: 10-20%
   * accuracy, near-uniform logits), where a loss difference of 1e-4 moves test accuracy by
   * points (PyTorch's own float32 and float64 runs differ there too); its losses are compared,
   * its accuracy is not.
   */
  readonly plateau?: boolean;
}

export const ARCHITECTURE_RUNS: readonly ArchitectureRun[] = [
  { name: 'resnet8', model: { kind: 'resnet', depth: 8 }, optimizer: 'adam', lr: 3e-4, epochs: 2, batchSize: 128, seeds: [0, 1, 2] },
  {
    name: 'sigmoid-mlp',
    model: { kind: 'mlp', hidden: [256, 256, 256, 256, 256, 256, 256, 256], activation: 'sigmoid' },
    optimizer: 'adam',
    lr: 1e-3,
    epochs: 2,
    batchSize: 128,
    seeds: [0, 1, 2],
    plateau: true,
  },
];
