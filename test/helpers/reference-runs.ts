// The configurations of the PyTorch end-to-end reference (scripts/reference/train_reference.py).
import type { ModelSpec } from '../../src/core/model/families/registry.ts';

export interface ReferenceRun {
  readonly model: ModelSpec;
  readonly lr: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seeds: readonly number[];
}

export const REFERENCE_RUNS: readonly ReferenceRun[] = [
  { model: { kind: 'mlp', hidden: [256, 128] }, lr: 0.1, epochs: 5, batchSize: 128, seeds: [0, 1, 2] },
  { model: { kind: 'cnn' }, lr: 0.05, epochs: 5, batchSize: 128, seeds: [0, 1, 2] },
];

/** FGSM adversarial training against PyTorch (scripts/reference/adversarial_reference.py): 30 paired steps. */
export const ADVERSARIAL_REFERENCE = { model: { kind: 'mlp', hidden: [64] } as const, seed: 0, lr: 0.1, batchSize: 128, eps: 0.1, steps: 30 };

/** Sharpness against PyTorch's exact Hessian (scripts/reference/sharpness_reference.py): a small MLP after 2 epochs on 1,024 images. */
export const SHARPNESS_REFERENCE = { model: { kind: 'mlp', hidden: [8] } as const, seed: 0, trainExamples: 1024, examples: 256 };

/**
 * Hessian-vector products against PyTorch's double backward (scripts/reference/hvp_reference.py):
 * per model, the examples measured (the first `examples` of the subset's training images), the
 * weights (seeded initial ones, or after `trained` SGD epochs), and two seeded unit directions
 * v and u: PyTorch records ‖(Hv)ₖ‖ and uₖ·(Hv)ₖ per parameter tensor, and vᵀHv.
 */
export interface HvpReference {
  readonly name: string;
  readonly model: ModelSpec;
  readonly seed: number;
  readonly examples: number;
  /** SGD (lr 0.1, batch 64) epochs over the first 1,024 training images before measuring; 0: initial weights. */
  readonly trained: number;
  /** Also the top eigenvalue, by power iteration (sharpness() on our side). */
  readonly eigenvalue?: boolean;
}

export const HVP_REFERENCES: readonly HvpReference[] = [
  { name: 'mlp-relu', model: { kind: 'mlp', hidden: [256, 128] }, seed: 0, examples: 512, trained: 2, eigenvalue: true },
  { name: 'mlp-gelu-batchnorm', model: { kind: 'mlp', hidden: [64, 64], activation: 'gelu', batchNorm: true }, seed: 1, examples: 128, trained: 0 },
  { name: 'mlp-leakyrelu', model: { kind: 'mlp', hidden: [64, 64], activation: 'leakyRelu' }, seed: 2, examples: 128, trained: 0 },
  { name: 'lenet5', model: { kind: 'lenet5' }, seed: 3, examples: 64, trained: 0 },
  { name: 'resnet-8', model: { kind: 'resnet', depth: 8 }, seed: 4, examples: 64, trained: 0 },
];
