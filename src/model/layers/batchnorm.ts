// Batch normalisation over features ([F] inputs, BatchNorm1d) or channels ([C, H, W],
// BatchNorm2d), exactly as torch.nn.BatchNorm defaults: eps 1e-5, momentum 0.1, affine.
//
// Training mode, per channel over the batch (and space), M values each:
//   μ = mean x;  σ² = mean (x − μ)² (biased);  x̂ = (x − μ)/√(σ² + eps);  y = γ·x̂ + β
//   running_mean ← (1 − m)·running_mean + m·μ;  running_var ← (1 − m)·running_var + m·σ²·M/(M − 1)
//   dβ = Σ dy;  dγ = Σ dy·x̂;  dx = γ/√(σ² + eps) · (dy − mean dy − x̂·mean(dy·x̂))
// Evaluation mode: y = γ·(x − running_mean)/√(running_var + eps) + β;  dx = dy·γ/√(running_var + eps).
// The running statistics are buffers: graph inputs, and in the train graph outputs too.
// Computed in whatever layout the input also exists in (a blocked convolution's NCHWc
// output stays blocked); per-channel vectors are reshaped to broadcast against it.
import { float, type GraphBuilder } from '../../onnx/graph.ts';
import type { Layer, Shape } from '../layer.ts';
import { size } from '../layer.ts';
import { layoutOf } from '../layout.ts';

export interface BatchNormOptions {
  readonly eps?: number;
  readonly momentum?: number;
}

export function batchNorm(name: string, inShape: Shape, opts: BatchNormOptions = {}): Layer {
  if (inShape.length !== 1 && inShape.length !== 3) throw new Error(`batchNorm layer "${name}" needs a [F] or [C, H, W] input, got [${inShape.join(', ')}]`);
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const c = inShape[0]!;
  const constant = (value: number) => ({ kind: 'constant', value }) as const;
  /** A [C] vector shaped to broadcast in a layout. */
  const perChannel = (g: GraphBuilder, v: string, shape: readonly number[]) => g.node('Reshape', [v, g.ints(shape)]);
  const flat = (g: GraphBuilder, v: string) => g.node('Reshape', [v, g.ints([c])]);
  return {
    name,
    kind: { op: 'batchNorm', eps, momentum },
    inShapes: [inShape],
    outShape: inShape,
    params: [
      { name: `${name}.weight`, shape: [c], init: constant(1) },
      { name: `${name}.bias`, shape: [c], init: constant(0) },
    ],
    buffers: [
      { name: `${name}.running_mean`, shape: [c], init: constant(0) },
      { name: `${name}.running_var`, shape: [c], init: constant(1) },
    ],
    noise: [],
    macs: 2 * size(inShape),
    forward(g, [x], [gamma, beta], ctx) {
      const [rm, rv] = ctx.buffers as [string, string];
      if (ctx.mode === 'eval' && g.target.canonical) {
        // ONNX's momentum weights the running value: torch's 1 − momentum.
        return g.node('BatchNormalization', [x!, gamma!, beta!, rm, rv], { epsilon: float(eps), momentum: float(1 - momentum) });
      }
      const view = layoutOf(g, [x!], inShape, 'any');
      const v = view.values[0]!;
      if (ctx.mode === 'eval') {
        const scale = g.node('Mul', [gamma!, g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [rv, g.scalar(eps)])])])]);
        const shift = g.node('Sub', [beta!, g.node('Mul', [rm, scale])]);
        ctx.saved.scale = scale;
        return view.out(g.node('Add', [g.node('Mul', [v, perChannel(g, scale, view.perChannel)]), perChannel(g, shift, view.perChannel)]));
      }
      // Two-pass statistics with a corrected mean: the first mean's rounding error (a few ulps
      // of |mean|, large against the spread when |mean| >> σ) is measured on the centred data
      // and removed, so values near the mean normalise to within float32 rounding of σ, not of
      // |mean| (a ReLU after the batch norm sees their sign right).
      const roughMean = view.reduce('ReduceMean', v);
      const xc = g.node('Sub', [v, roughMean]);
      const correction = view.reduce('ReduceMean', xc);
      const variance = g.node('Sub', [view.reduce('ReduceMean', g.node('Mul', [xc, xc])), g.node('Mul', [correction, correction])]);
      const invStd = g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [variance, g.scalar(eps)])])]);
      const xhat = g.node('Mul', [g.node('Sub', [xc, correction]), invStd]);
      ctx.saved.xhat = view.out(xhat);
      ctx.saved.invStd = flat(g, invStd);
      const mean = g.node('Add', [roughMean, correction]);
      // M values per channel: the batch (and space); the running variance is the unbiased one.
      const m = g.node('Div', [g.node('Cast', [g.node('Size', [v])], { to: 1 }), g.scalar(c)]);
      const unbiased = g.node('Mul', [flat(g, variance), g.node('Div', [m, g.node('Sub', [m, g.scalar(1)])])]);
      ctx.updateBuffer(0, g.node('Add', [g.node('Mul', [rm, g.scalar(1 - momentum)]), g.node('Mul', [flat(g, mean), g.scalar(momentum)])]));
      ctx.updateBuffer(1, g.node('Add', [g.node('Mul', [rv, g.scalar(1 - momentum)]), g.node('Mul', [unbiased, g.scalar(momentum)])]));
      return view.out(g.node('Add', [g.node('Mul', [xhat, perChannel(g, gamma!, view.perChannel)]), perChannel(g, beta!, view.perChannel)]));
    },
    backward(g, dy, { params: [gamma], saved, mode }, want) {
      if (mode === 'eval') {
        if (want.dparams) throw new Error(`batchNorm layer "${name}": parameter gradients exist in training mode only`);
        const view = layoutOf(g, [dy], inShape);
        return { dxs: [want.dxs[0] ? view.out(g.node('Mul', [view.values[0]!, perChannel(g, saved.scale!, view.perChannel)])) : undefined], dparams: [] };
      }
      const view = layoutOf(g, [dy, saved.xhat!], inShape, 'any');
      const [d, xhat] = view.values as [string, string];
      const dxhat = g.node('Mul', [d, xhat]);
      const sumDyXhat = view.reduce('ReduceSum', dxhat);
      const sumDy = view.reduce('ReduceSum', d);
      const dparams = want.dparams ? [flat(g, sumDyXhat), flat(g, sumDy)] : [];
      if (!want.dxs[0]) return { dxs: [undefined], dparams };
      const m = g.node('Div', [g.node('Cast', [g.node('Size', [d])], { to: 1 }), g.scalar(c)]);
      const meanDy = g.node('Div', [sumDy, m]);
      const meanDyXhat = g.node('Div', [sumDyXhat, m]);
      const centred = g.node('Sub', [g.node('Sub', [d, meanDy]), g.node('Mul', [xhat, meanDyXhat])]);
      const scale = perChannel(g, g.node('Mul', [gamma!, saved.invStd!]), view.perChannel);
      return { dxs: [view.out(g.node('Mul', [centred, scale]))], dparams };
    },
  };
}
