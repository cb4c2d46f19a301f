// Composes a model's layers into the graphs it needs. Parameters and buffers are
// graph inputs, so one session serves every step of every optimizer. The forward pass runs
// node by node; the backward pass in reverse, each node's output gradient the sum of what
// its readers sent back (a residual block's input gets two).
import { GraphBuilder, PORTABLE, type Dim, type GraphTarget } from '../onnx/graph.ts';
import { size, type ForwardContext, type Mode, type Shape } from './layer.ts';
import { MODEL_INPUT, type ModelGraph } from './model.ts';
import { softmaxCrossEntropy } from './loss.ts';
import { addValues } from './layout.ts';
import { forwardMode, tangentName } from '../onnx/forward-mode.ts';
import { LOGIT_LOSSES, type LogitLossName } from './logit-loss.ts';

/**
 * train: loss, gradients and new buffers; inputGrad: dLoss/dx in evaluation mode; predict:
 * logits in evaluation mode; trainLogits: logits in training mode (batch statistics, dropout
 * masks), nothing else; hvp: the train graph's Hessian-vector products (forward mode over its
 * gradients); inputGrad:<loss>: each example's own d(loss)/dx for an attack's logit loss
 * (src/core/model/logit-loss.ts), in evaluation mode, with the logits.
 */
export type GraphKind = 'train' | 'inputGrad' | 'predict' | 'trainLogits' | 'hvp' | `inputGrad:${LogitLossName}`;

export const BATCH: Dim = 'N';
export const gradName = (param: string): string => `grad:${param}`;
/** Σ g² of a parameter's gradient, computed in-graph so gradient norms cost no extra pass in JS. */
export const gradSqName = (param: string): string => `gradsq:${param}`;
/** Σ p² of a parameter as the step found it (per-layer diagnostics). */
export const paramSqName = (param: string): string => `paramsq:${param}`;
/** A buffer's value after the step (BatchNorm's running statistics). */
export const bufferOutName = (buffer: string): string => `buffer:${buffer}`;
/** In the hvp graph: the direction's component for a parameter (an input)... */
export const directionName = (param: string): string => tangentName(param);
/** ...and H·v's component for it (an output). */
export const hvpName = (param: string): string => tangentName(gradName(param));

/** The sum of gradient contributions, in whichever layout they share. */
function sum(g: GraphBuilder, parts: readonly string[], shape: Shape): string {
  return parts.reduce((a, b) => addValues(g, [a, b], shape));
}

/**
 * The graph of one kind. With `weights` (parameters then buffers, as Network orders them;
 * predict graphs only) they are stored in the file as initializers instead of being inputs:
 * a standalone model any ONNX runtime runs.
 */
export function buildGraph(
  model: ModelGraph,
  kind: GraphKind,
  numClasses: number,
  target: GraphTarget = PORTABLE,
  weights?: readonly Float32Array[],
): Uint8Array {
  if (kind === 'hvp') {
    const params = model.nodes.flatMap((n) => n.layer.params.map((p) => p.name));
    return forwardMode(buildGraph(model, 'train', numClasses, target), { seeds: params, outputs: params.map(gradName), keep: ['loss'] });
  }
  const g = new GraphBuilder(`optrobust_${kind}`, target);
  const mode: Mode = kind === 'train' || kind === 'trainLogits' ? 'train' : 'eval';
  const { nodes } = model;
  if (weights && kind !== 'predict') throw new Error('graphs: only a predict graph stores its weights');
  const specs = [...nodes.flatMap((n) => n.layer.params), ...nodes.flatMap((n) => n.layer.buffers)];
  if (weights && weights.length !== specs.length) throw new Error(`graphs: ${weights.length} weight tensors for ${specs.length} parameters and buffers`);
  let w = 0;
  const tensor = (name: string, shape: readonly number[]) => {
    if (!weights) return g.input(name, 'float32', shape);
    const values = weights[w++]!;
    if (values.length !== size(shape))
      throw new Error(`graphs: weight "${name}" has ${values.length} values; its shape [${shape.join(', ')}] needs ${size(shape)}`);
    return g.initializer(name, shape, values);
  };
  const params = nodes.map((n) => n.layer.params.map((p) => tensor(p.name, p.shape)));
  const buffers = nodes.map((n) => n.layer.buffers.map((b) => tensor(b.name, b.shape)));
  const noise = nodes.map((n) => (mode === 'train' ? n.layer.noise.map((z) => g.input(z.name, 'float32', [BATCH, ...z.shape])) : []));
  const x = g.input('x', 'float32', [BATCH, ...model.inShape]);
  const outputs: string[] = [];
  const saved: Record<string, string>[] = [];
  const read = (i: number) => (i === MODEL_INPUT ? x : outputs[i]!);
  nodes.forEach((node, i) => {
    const ctx: ForwardContext = {
      mode,
      buffers: buffers[i]!,
      noise: noise[i]!,
      saved: (saved[i] = {}),
      updateBuffer: (j, value) => {
        if (kind === 'train') g.output(value, bufferOutName(node.layer.buffers[j]!.name), 'float32', node.layer.buffers[j]!.shape);
      },
    };
    outputs.push(node.layer.forward(g, node.inputs.map(read), params[i]!, ctx));
  });
  const last = nodes.length - 1;
  g.output(outputs[last]!, 'logits', 'float32', [BATCH, numClasses]);
  if (kind === 'predict' || kind === 'trainLogits') return g.toBytes();

  const y = g.input('y', 'int64', [BATCH]);
  const attackLoss = kind.startsWith('inputGrad:') ? LOGIT_LOSSES[kind.slice('inputGrad:'.length) as LogitLossName] : undefined;
  const wantDx = kind === 'inputGrad' || attackLoss !== undefined;
  let dlogits: string;
  if (attackLoss) {
    const target = attackLoss.targeted ? g.input('target', 'int64', [BATCH]) : undefined;
    dlogits = attackLoss.emit(g, outputs[last]!, y, target, numClasses);
  } else {
    const ce = softmaxCrossEntropy(g, outputs[last]!, y, numClasses);
    g.output(ce.loss, 'loss', 'float32', []);
    dlogits = ce.dlogits;
  }
  // A value needs a gradient if a parameter was used to make it (or, for dLoss/dx, the input).
  const needs: boolean[] = [];
  nodes.forEach((node, _i) => needs.push(node.layer.params.length > 0 || node.inputs.some((j) => (j === MODEL_INPUT ? wantDx : needs[j]!))));
  const contributions: string[][] = nodes.map(() => []);
  const toInput: string[] = [];
  contributions[last]!.push(dlogits);
  for (let i = last; i >= 0; i--) {
    const { layer, inputs } = nodes[i]!;
    if (!needs[i] || contributions[i]!.length === 0) continue;
    const dy = sum(g, contributions[i]!, layer.outShape);
    const want = { dxs: inputs.map((j) => (j === MODEL_INPUT ? wantDx : needs[j]!)), dparams: kind === 'train' };
    const r = layer.backward(
      g,
      dy,
      { xs: inputs.map(read), y: outputs[i]!, params: params[i]!, buffers: buffers[i]!, noise: noise[i]!, saved: saved[i]!, mode },
      want,
    );
    r.dparams.forEach((d, k) => {
      const p = layer.params[k]!;
      const grad = g.output(d, gradName(p.name), 'float32', p.shape);
      g.output(g.node('ReduceSumSquare', [grad], { keepdims: 0 }), gradSqName(p.name), 'float32', []);
      g.output(g.node('ReduceSumSquare', [params[i]![k]!], { keepdims: 0 }), paramSqName(p.name), 'float32', []);
    });
    inputs.forEach((j, k) => {
      const dx = r.dxs[k];
      if (!want.dxs[k] || dx === undefined) return;
      (j === MODEL_INPUT ? toInput : contributions[j]!).push(dx);
    });
  }
  if (wantDx) g.output(sum(g, toInput, model.inShape), 'dx', 'float32', [BATCH, ...model.inShape]);
  return g.toBytes();
}
