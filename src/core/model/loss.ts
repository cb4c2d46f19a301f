// Softmax cross-entropy, mean over the batch (torch.nn.functional.cross_entropy's default).
//   loss     = -(1/B) Σ_i log softmax(z_i)[y_i]
//   dL/dz    = (softmax(z) - onehot(y)) / B
import type { GraphBuilder } from '../onnx/graph.ts';

export interface LossValues {
  /** Scalar mean loss. */
  readonly loss: string;
  /** dLoss/dlogits, [B, K]. */
  readonly dlogits: string;
}

export function softmaxCrossEntropy(g: GraphBuilder, logits: string, labels: string, numClasses: number): LossValues {
  const logp = g.node('LogSoftmax', [logits], { axis: 1 });
  const onehot = g.node('OneHot', [labels, g.constant('int64', [], [numClasses]), g.constant('float32', [2], [0, 1])], { axis: -1 });
  const batch = g.node('Cast', [g.node('Shape', [logits], { start: 0, end: 1 })], { to: 1 });
  const invB = g.node('Reciprocal', [g.node('ReduceSum', [batch], { keepdims: 0 })]);
  const total = g.node('ReduceSum', [g.node('Mul', [onehot, logp])], { keepdims: 0 });
  const loss = g.node('Neg', [g.node('Mul', [total, invB])]);
  const dlogits = g.node('Mul', [g.node('Sub', [g.node('Exp', [logp]), onehot]), invB]);
  return { loss, dlogits };
}
