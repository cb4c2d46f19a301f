// A strided convolution's input gradient as s² stride-1 convolutions on MLAS's NCHWc kernels.
//
// dx[h] = Σ_{kh, oh : h = s·oh + kh − p} dy[oh] · W[kh] (per axis). Split h by its phase
// r = h mod s, h = s·i + r: the taps that reach phase r are the kh ≡ r + p (mod s), each
// reading dy[i + d] with d = (r + p − kh)/s. So each phase is a stride-1 correlation of dy
// with a sub-kernel of W (channels swapped, taps ordered by d), and the phases interleave
// into dx. The phase convolutions run on the blocked kernels (conv2 of the CNN: 8.8 ms
// against ConvTranspose's 13.7); the interleave is one Concat and one Transpose of blocks.
// At stride 1 there is one phase, the kernel flipped with its channels swapped, and nothing
// to interleave (a ResNet's 3x3 convolutions: blocked instead of ConvTranspose).
import type { GraphBuilder } from '../../onnx/graph.ts';
import type { ConvGeometry } from '../layer.ts';
import { blockedConvFits, NCHWC, reorderFilter, unblock } from '../../onnx/nchwc.ts';

/** A square, symmetric, undilated convolution (the case the phase form handles): ConvGeometry's sizes with one kernel size, stride and padding. */
export type SquareConv = Pick<ConvGeometry, 'ci' | 'co' | 'h' | 'w' | 'ho' | 'wo'> & {
  readonly k: number;
  readonly s: number;
  readonly p: number;
};

interface Phase {
  /** Kernel taps reaching this phase, ordered by the dy offset they read. */
  readonly taps: number[];
  /** Zero padding of dy before and after, in this phase's correlation. */
  readonly before: number;
  readonly after: number;
}

function phase(r: number, k: number, s: number, p: number, outLen: number, count: number): Phase {
  const reach: { kh: number; d: number }[] = [];
  for (let kh = 0; kh < k; kh++) if ((r + p - kh) % s === 0) reach.push({ kh, d: (r + p - kh) / s });
  reach.sort((a, b) => a.d - b.d);
  const dmin = reach[0]!.d;
  const dmax = reach[reach.length - 1]!.d;
  return { taps: reach.map((t) => t.kh), before: -dmin, after: Math.max(0, count - 1 + dmax - (outLen - 1)) };
}

/**
 * Whether the phase form applies: blocked kernels for both channel counts, a stride that
 * divides the input evenly (every phase the same size, so they interleave by reshaping) with
 * output size input/stride, and s + p ≤ k (every phase reached by a tap, none starting past
 * dy's first row).
 */
export function polyphaseFits(block: number, c: SquareConv): boolean {
  return (
    c.ci >= block &&
    c.co >= block &&
    blockedConvFits(block, c.co, c.ci) &&
    c.h % c.s === 0 &&
    c.w % c.s === 0 &&
    c.ho === c.h / c.s &&
    c.wo === c.w / c.s &&
    c.s + c.p <= c.k
  );
}

/** dL/dx as NCHW, with its NCHWc twin recorded; reads dy's blocked twin when there is one. */
export function polyphaseInputGrad(g: GraphBuilder, dy: string, wt: string, c: SquareConv): string {
  const B = g.target.nchwcBlock;
  const { ci, co, h, w, ho, wo, k, s, p } = c;
  const nh = h / s;
  const nw = w / s;
  const dyBlocked = g.twin(dy, 'nchwc') ?? g.node(`${NCHWC}:ReorderInput`, [dy]);
  /** Phase (rh, rw) of dx, blocked [N, ci, nh, nw]: dy correlated with its sub-kernel. */
  const phaseConv = (rh: number, rw: number): string => {
    const ph = phase(rh, k, s, p, ho, nh);
    const pw = phase(rw, k, s, p, wo, nw);
    const rows = g.node('Gather', [wt, g.constant('int64', [ph.taps.length], ph.taps)], { axis: 2 });
    const sub = g.node('Gather', [rows, g.constant('int64', [pw.taps.length], pw.taps)], { axis: 3 });
    const filter = reorderFilter(g, g.node('Transpose', [sub], { perm: [1, 0, 2, 3] }), [ci, co, ph.taps.length, pw.taps.length], B);
    return g.node(`${NCHWC}:Conv`, [dyBlocked, filter], {
      kernel_shape: [ph.taps.length, pw.taps.length],
      pads: [ph.before, pw.before, ph.after, pw.after],
    });
  };
  let dxBlocked: string;
  if (s === 1) dxBlocked = phaseConv(0, 0);
  else {
    const phases: string[] = [];
    for (let rh = 0; rh < s; rh++) {
      for (let rw = 0; rw < s; rw++) phases.push(g.node('Unsqueeze', [g.node('Reshape', [phaseConv(rh, rw), g.ints([0, ci / B, nh, nw, B])]), g.ints([0])]));
    }
    const stacked = g.node('Reshape', [g.node('Concat', phases, { axis: 0 }), g.ints([s, s, -1, ci / B, nh, nw, B])]);
    const interleaved = g.node('Transpose', [stacked], { perm: [2, 3, 4, 0, 5, 1, 6] });
    dxBlocked = g.node('Reshape', [interleaved, g.ints([0, ci, h, w])]);
  }
  const dx = unblock(g, dxBlocked, ci);
  g.setTwin(dx, 'nchwc', dxBlocked);
  return dx;
}
