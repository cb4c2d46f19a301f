// The configurations of the PyTorch end-to-end reference (scripts/reference/train_reference.py).
import type { ModelSpec } from '../../src/model/families/registry.ts';

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
