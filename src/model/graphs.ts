// Composes layers into the three graphs a model needs. Parameters are graph inputs,
// so one session serves every step of every optimizer.
import { GraphBuilder, PORTABLE, type Dim, type GraphTarget } from '../onnx/graph.ts';
import type { Layer } from './layer.ts';
import { softmaxCrossEntropy } from './loss.ts';

export type GraphKind = 'train' | 'inputGrad' | 'predict';

export const BATCH: Dim = 'N';
export const gradName = (param: string): string => `grad:${param}`;
/** Σ g² of a parameter's gradient, computed in-graph so gradient norms cost no extra pass in JS. */
export const gradSqName = (param: string): string => `gradsq:${param}`;

export function buildGraph(layers: readonly Layer[], kind: GraphKind, numClasses: number, target: GraphTarget = PORTABLE): Uint8Array {
  const g = new GraphBuilder(`optrobust_${kind}`, target);
  const params = layers.map((l) => l.params.map((p) => g.input(p.name, 'float32', p.shape)));
  const x = g.input('x', 'float32', [BATCH, ...layers[0]!.inShape]);
  const xs: string[] = [];
  const ys: string[] = [];
  let h = x;
  layers.forEach((layer, i) => {
    xs.push(h);
    h = layer.forward(g, h, params[i]!);
    ys.push(h);
  });
  g.output(h, 'logits', 'float32', [BATCH, numClasses]);
  if (kind === 'predict') return g.toBytes();

  const y = g.input('y', 'int64', [BATCH]);
  const { loss, dlogits } = softmaxCrossEntropy(g, h, y, numClasses);
  g.output(loss, 'loss', 'float32', []);
  let dy = dlogits;
  // A layer's input gradient is needed only if some earlier layer has parameters (or for dLoss/dx itself).
  const paramsBefore = layers.map((_, i) => layers.slice(0, i).some((l) => l.params.length > 0));
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const want = { dx: paramsBefore[i]! || kind === 'inputGrad', dparams: kind === 'train' };
    const r = layer.backward(g, dy, { x: xs[i]!, y: ys[i]!, params: params[i]! }, want);
    r.dparams.forEach((d, j) => {
      const p = layer.params[j]!;
      const grad = g.output(d, gradName(p.name), 'float32', p.shape);
      g.output(g.node('ReduceSumSquare', [grad], { keepdims: 0 }), gradSqName(p.name), 'float32', []);
    });
    if (!want.dx) break;
    if (i > 0) dy = r.dx!;
    else g.output(r.dx!, 'dx', 'float32', [BATCH, ...layer.inShape]);
  }
  return g.toBytes();
}
