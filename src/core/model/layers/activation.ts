// Elementwise activations, one rule table: each entry is its forward and, beside it, its
// derivative (PyTorch's conventions at the kinks). They run in whatever layout their input
// also exists in (layout.ts) and hand that layout on; after a blocked convolution, ReLU runs
// inside it (MLAS applies it as each output block is written; onnxruntime does not fuse into
// operators it did not place itself).
//
//   relu       y = max(x, 0)                  dy·[y > 0]           (0 at x = 0, as torch)
//   tanh       y = tanh x                     dy·(1 − y²)
//   sigmoid    y = 1 / (1 + e^−x)             dy·y·(1 − y)
//   gelu       y = x·Φ(x) = x(1 + erf(x/√2))/2    dy·(Φ(x) + x·φ(x)), φ the standard normal density (exact, not tanh)
//   leakyRelu  y = x > 0 ? x : s·x            dy·(x > 0 ? 1 : s)   (s: negative slope, torch's default 0.01)
import type { GraphBuilder } from '../../onnx/graph.ts';
import { float } from '../../onnx/graph.ts';
import { NCHWC, unblock } from '../../onnx/nchwc.ts';
import type { ActivationName, Layer, Shape } from '../layer.ts';
import { STATELESS } from '../layer.ts';
import { elementwise } from '../layout.ts';

const BOOL = 9;
const FLOAT = 1;

interface Rule {
  forward(g: GraphBuilder, x: string, slope: number): string;
  /** Which forward value the derivative reads: the input or the output. */
  readonly reads: 'x' | 'y';
  /** dx from dy and that value (in the same layout). */
  backward(g: GraphBuilder, dy: string, v: string, slope: number): string;
  /** MLAS's name for it, when a blocked convolution can apply it as it writes its output. */
  readonly fused?: string;
}

const RULES: Record<ActivationName, Rule> = {
  relu: {
    forward: (g, x) => g.node('Relu', [x]),
    // The mask (y != 0), equal to (x > 0) as y = max(x, 0): two casts, which onnxruntime
    // vectorises (Greater + Where took twice as long).
    reads: 'y',
    backward: (g, dy, y) => g.node('Mul', [dy, g.node('Cast', [g.node('Cast', [y], { to: BOOL })], { to: FLOAT })]),
    fused: 'Relu',
  },
  tanh: {
    forward: (g, x) => g.node('Tanh', [x]),
    reads: 'y',
    backward: (g, dy, y) => g.node('Mul', [dy, g.node('Sub', [g.scalar(1), g.node('Mul', [y, y])])]),
  },
  sigmoid: {
    forward: (g, x) => g.node('Sigmoid', [x]),
    reads: 'y',
    backward: (g, dy, y) => g.node('Mul', [dy, g.node('Mul', [y, g.node('Sub', [g.scalar(1), y])])]),
  },
  gelu: {
    forward: (g, x) => g.node('Mul', [x, phi(g, x)]),
    reads: 'x',
    backward: (g, dy, x) => {
      const density = g.node('Mul', [g.node('Exp', [g.node('Mul', [g.node('Mul', [x, x]), g.scalar(-0.5)])]), g.scalar(1 / Math.sqrt(2 * Math.PI))]);
      return g.node('Mul', [dy, g.node('Add', [phi(g, x), g.node('Mul', [x, density])])]);
    },
  },
  leakyRelu: {
    forward: (g, x, slope) => g.node('LeakyRelu', [x], { alpha: float(slope) }),
    reads: 'x',
    backward: (g, dy, x, slope) => g.node('Where', [g.node('Greater', [x, g.scalar(0)]), dy, g.node('Mul', [dy, g.scalar(slope)])]),
  },
};

/** Φ(x) = (1 + erf(x/√2))/2, the standard normal distribution function. */
function phi(g: GraphBuilder, x: string): string {
  return g.node('Mul', [g.node('Add', [g.node('Erf', [g.node('Mul', [x, g.scalar(Math.SQRT1_2)])]), g.scalar(1)]), g.scalar(0.5)]);
}

export const ACTIVATIONS = Object.keys(RULES) as ActivationName[];

export function activation(name: string, inShape: Shape, fn: ActivationName, slope = 0.01): Layer {
  const rule = RULES[fn];
  return {
    name,
    kind: fn === 'leakyRelu' ? { op: 'activation', fn, slope } : { op: 'activation', fn },
    inShapes: [inShape],
    outShape: inShape,
    ...STATELESS,
    macs: 0,
    forward(g, [x]) {
      const blocked = g.twin(x!, 'nchwc');
      const conv = blocked === undefined ? undefined : g.recipe(blocked);
      if (rule.fused && conv?.op === `${NCHWC}:Conv` && conv.attrs.activation === undefined) {
        const out = g.node(conv.op, conv.inputs, { ...conv.attrs, activation: rule.fused });
        const y = unblock(g, out, inShape[0]!);
        g.setTwin(y, 'nchwc', out);
        return y;
      }
      return elementwise(g, [x!], inShape, ([v]) => rule.forward(g, v!, slope));
    },
    backward(g, dy, { xs: [x], y }, want) {
      if (!want.dxs[0]) return { dxs: [undefined], dparams: [] };
      const v = rule.reads === 'x' ? x! : y;
      return { dxs: [elementwise(g, [dy, v], inShape, ([d, vi]) => rule.backward(g, d!, vi!, slope))], dparams: [] };
    },
  };
}

export const relu = (name: string, inShape: Shape): Layer => activation(name, inShape, 'relu');
