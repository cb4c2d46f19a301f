// The per-example losses on the logits z that attacks differentiate besides the training loss
// (AutoAttack's, github.com/fra31/auto-attack, autoattack/autopgd_base.py and fab_pt.py). With
// s₁ ≥ s₂ ≥ s₃ ≥ s₄ the largest logits (indices i₁..i₄), y the label and t a target class:
//   dlr          -(z_y - m) / (s₁ - s₃ + 1e-12),  m = s₂ if i₁ = y else s₁     (dlr_loss)
//   dlr_targeted -(z_y - z_t) / (s₁ - ½(s₃ + s₄) + 1e-12)                    (dlr_loss_targeted)
//   margin       z_t - z_y                                                  (FAB's targeted difference)
// Each rule emits dℓ/dz for every example (a sum over examples, not a mean: row i is example
// i's own gradient), differentiated as autograd does through the sort: a sorted value's
// gradient goes to the index it came from. Values are recomputed from the logits in
// float64 by the attacks (`logitLossValues`), so the graph outputs only the gradient.
import type { GraphBuilder } from '../onnx/graph.ts';

export type LogitLossName = 'dlr' | 'dlr_targeted' | 'margin';

export interface LogitLossRule {
  /** Classes the loss needs (the top-k it sorts). */
  readonly minClasses: number;
  /** Whether it reads a target class per example (graph input `target`). */
  readonly targeted: boolean;
  /** dℓ/dz, [N, K]. */
  emit(g: GraphBuilder, z: string, y: string, target: string | undefined, numClasses: number): string;
  /** ℓ for each example, from logits [n, K] (float64). */
  value(z: Float32Array, k: number, i: number, y: number, t: number): number;
}

const DLR_EPS = 1e-12;

function oneHot(g: GraphBuilder, index: string, numClasses: number): string {
  return g.node('OneHot', [index, g.constant('int64', [], [numClasses]), g.constant('float32', [2], [0, 1])], { axis: -1 });
}

/** Column j of a [N, k] tensor as [N, 1]. */
function column(g: GraphBuilder, v: string, j: number): string {
  return g.node('Slice', [v, g.ints([j]), g.ints([j + 1]), g.ints([1])]);
}

/** The j-th largest logit ([N, 1]) and the one-hot row of its class, for j < k. */
function top(g: GraphBuilder, z: string, k: number, numClasses: number): { s: (j: number) => string; hot: (j: number) => string } {
  const [values, indices] = g.nodeN('TopK', [z, g.ints([k])], 2, { axis: 1, largest: 1, sorted: 1 });
  const hot = (j: number) => oneHot(g, g.node('Squeeze', [column(g, indices!, j), g.ints([1])]), numClasses);
  return { s: (j) => column(g, values!, j), hot };
}

/** -(a)/den + num/den²·(b): the quotient rule of ℓ = -num/den with dnum = a, dden = b. */
function quotient(g: GraphBuilder, num: string, den: string, dnum: string, dden: string): string {
  const inv = g.node('Reciprocal', [den]);
  return g.node('Add', [g.node('Neg', [g.node('Mul', [dnum, inv])]), g.node('Mul', [dden, g.node('Mul', [num, g.node('Mul', [inv, inv])])])]);
}

/** Row i's k classes from the largest logit down (ties by lower index, as ONNX TopK). */
export function sortedRow(z: Float32Array, k: number, i: number): number[] {
  return Array.from({ length: k }, (_, c) => c).sort((a, b) => z[i * k + b]! - z[i * k + a]! || a - b);
}

export const LOGIT_LOSSES: Readonly<Record<LogitLossName, LogitLossRule>> = {
  dlr: {
    minClasses: 3,
    targeted: false,
    emit(g, z, y, _t, numClasses) {
      const { s, hot } = top(g, z, 3, numClasses);
      const yHot = oneHot(g, y, numClasses);
      const zy = g.node('ReduceSum', [g.node('Mul', [z, yHot]), g.ints([1])], { keepdims: 1 });
      // i₁ = y exactly when z_y equals the largest logit (as torch compares indices; a tie is measure-zero).
      const ind = g.node('Cast', [g.node('Equal', [zy, s(0)])], { to: 1 });
      const notInd = g.node('Sub', [g.scalar(1), ind]);
      const m = g.node('Add', [g.node('Mul', [ind, s(1)]), g.node('Mul', [notInd, s(0)])]);
      const mHot = g.node('Add', [g.node('Mul', [ind, hot(1)]), g.node('Mul', [notInd, hot(0)])]);
      const num = g.node('Sub', [zy, m]);
      const den = g.node('Add', [g.node('Sub', [s(0), s(2)]), g.scalar(DLR_EPS)]);
      return quotient(g, num, den, g.node('Sub', [yHot, mHot]), g.node('Sub', [hot(0), hot(2)]));
    },
    value(z, k, i, y) {
      const o = sortedRow(z, k, i);
      const m = o[0] === y ? z[i * k + o[1]!]! : z[i * k + o[0]!]!;
      return -(z[i * k + y]! - m) / (z[i * k + o[0]!]! - z[i * k + o[2]!]! + DLR_EPS);
    },
  },
  dlr_targeted: {
    minClasses: 4,
    targeted: true,
    emit(g, z, y, t, numClasses) {
      const { s, hot } = top(g, z, 4, numClasses);
      const yHot = oneHot(g, y, numClasses);
      const tHot = oneHot(g, t!, numClasses);
      const num = g.node('ReduceSum', [g.node('Mul', [z, g.node('Sub', [yHot, tHot])]), g.ints([1])], { keepdims: 1 });
      const den = g.node('Add', [g.node('Sub', [s(0), g.node('Mul', [g.scalar(0.5), g.node('Add', [s(2), s(3)])])]), g.scalar(DLR_EPS)]);
      const dden = g.node('Sub', [hot(0), g.node('Mul', [g.scalar(0.5), g.node('Add', [hot(2), hot(3)])])]);
      return quotient(g, num, den, g.node('Sub', [yHot, tHot]), dden);
    },
    value(z, k, i, y, t) {
      const o = sortedRow(z, k, i);
      return -(z[i * k + y]! - z[i * k + t]!) / (z[i * k + o[0]!]! - 0.5 * (z[i * k + o[2]!]! + z[i * k + o[3]!]!) + DLR_EPS);
    },
  },
  margin: {
    minClasses: 2,
    targeted: true,
    emit(g, _z, y, t, numClasses) {
      return g.node('Sub', [oneHot(g, t!, numClasses), oneHot(g, y, numClasses)]);
    },
    value(z, k, i, y, t) {
      return z[i * k + t]! - z[i * k + y]!;
    },
  },
};
