// Batch normalisation over features ([F] inputs, BatchNorm1d) or channels ([C, H, W],
// BatchNorm2d), exactly as torch.nn.BatchNorm defaults: eps 1e-5, momentum 0.1, affine.
//
// Training mode, per channel over the batch (and space), M values each:
//   μ = mean x;  σ² = mean (x − μ)² (biased);  x̂ = (x − μ)/√(σ² + eps);  y = γ·x̂ + β
//   running_mean ← (1 − m)·running_mean + m·μ;  running_var ← (1 − m)·running_var + m·σ²·M/(M − 1)
//   dβ = Σ dy;  dγ = Σ dy·x̂;  dx = γ/√(σ² + eps) · (dy − mean dy − x̂·mean(dy·x̂))
// Both directions are computed as per-channel affine maps of the centred input (View.affine:
// one blocked depthwise convolution on NCHWc, as PyTorch's CPU kernel applies α·x + β).
// Evaluation mode: y = γ·(x − running_mean)/√(running_var + eps) + β;  dx = dy·γ/√(running_var + eps).
// The running statistics are buffers: graph inputs, and in the train graph outputs too.
// Computed in whatever layout the input also exists in (a blocked convolution's NCHWc
// output stays blocked).
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
        return view.out(view.affine(v, scale, shift));
      }
      // Two-pass statistics with a corrected mean: the first mean's rounding error (a few ulps
      // of |mean|, large against the spread when |mean| >> σ) is measured on the centred data
      // and removed, so values near the mean normalise to within float32 rounding of σ, not of
      // |mean| (a ReLU after the batch norm sees their sign right).
      const roughMean = view.reduce('ReduceMean', v);
      const xc = view.affine(v, undefined, flat(g, g.node('Neg', [roughMean])));
      const correction = view.reduce('ReduceMean', xc);
      // M values per channel: the batch (and space); the running variance is the unbiased one.
      const m = g.node('Div', [g.node('Cast', [g.node('Size', [v])], { to: 1 }), g.scalar(c)]);
      // (ReduceSumSquare would save the Mul's pass, but onnxruntime sums its squares less
      // accurately: ResNet-8's Adam losses left PyTorch float64 by 1.5e-6 at step 2, not 4e-8.)
      const variance = g.node('Sub', [view.reduce('ReduceMean', g.node('Mul', [xc, xc])), g.node('Mul', [correction, correction])]);
      const invStd = flat(g, g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [variance, g.scalar(eps)])])]));
      // y = γ·x̂ + β as one affine map of the centred data: a = γ/σ, b = β − correction·a.
      const a = g.node('Mul', [gamma!, invStd]);
      const corr = flat(g, correction);
      Object.assign(ctx.saved, { xc: view.out(xc), invStd, correction: corr, a });
      const mean = g.node('Add', [roughMean, correction]);
      const unbiased = g.node('Mul', [flat(g, variance), g.node('Div', [m, g.node('Sub', [m, g.scalar(1)])])]);
      ctx.updateBuffer(0, g.node('Add', [g.node('Mul', [rm, g.scalar(1 - momentum)]), g.node('Mul', [flat(g, mean), g.scalar(momentum)])]));
      ctx.updateBuffer(1, g.node('Add', [g.node('Mul', [rv, g.scalar(1 - momentum)]), g.node('Mul', [unbiased, g.scalar(momentum)])]));
      return view.out(view.affine(xc, a, g.node('Sub', [beta!, g.node('Mul', [corr, a])])));
    },
    backward(g, dy, { saved, mode }, want) {
      if (mode === 'eval') {
        if (want.dparams) throw new Error(`batchNorm layer "${name}": parameter gradients exist in training mode only`);
        const view = layoutOf(g, [dy], inShape);
        return { dxs: [want.dxs[0] ? view.out(view.affine(view.values[0]!, saved.scale!, undefined)) : undefined], dparams: [] };
      }
      // With x̂ = (xc − correction)·invStd: Σ dy·x̂ = invStd·(Σ dy·xc − correction·Σ dy), and
      // dx = a·(dy − mean dy − x̂·mean(dy·x̂)) = a·dy + k·xc + l, per channel
      // k = −a·invStd·mean(dy·x̂), l = −a·mean dy − k·correction: two affine passes.
      const view = layoutOf(g, [dy, saved.xc!], inShape, 'any');
      const [d, xc] = view.values as [string, string];
      const { invStd, correction, a } = saved as Record<string, string>;
      const sumDy = flat(g, view.reduce('ReduceSum', d));
      const sumDyXc = flat(g, view.reduce('ReduceSum', g.node('Mul', [d, xc])));
      const sumDyXhat = g.node('Mul', [invStd!, g.node('Sub', [sumDyXc, g.node('Mul', [correction!, sumDy])])]);
      const dparams = want.dparams ? [sumDyXhat, sumDy] : [];
      if (!want.dxs[0]) return { dxs: [undefined], dparams };
      const m = g.node('Div', [g.node('Cast', [g.node('Size', [d])], { to: 1 }), g.scalar(c)]);
      const k = g.node('Neg', [g.node('Mul', [g.node('Mul', [a!, invStd!]), g.node('Div', [sumDyXhat, m])])]);
      const l = g.node('Sub', [g.node('Neg', [g.node('Mul', [a!, g.node('Div', [sumDy, m])])]), g.node('Mul', [k, correction!])]);
      return { dxs: [view.out(view.affine(d, a!, undefined, view.affine(xc, k, l)))], dparams };
    },
  };
}
