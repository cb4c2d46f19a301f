// onnxruntime's blocked-channel ("NCHWc") convolutions. On x86 with AVX2 or AVX-512, MLAS
// has direct convolution kernels over activations laid out [N, C/B, H, W, B]. onnxruntime
// uses them on its own only when the filter is a constant (it reorders the filter once, at
// load time); our filters are graph inputs, so the graph calls the kernels itself through
// the `com.microsoft.nchwc` operators and reorders the filter in-graph (a few thousand
// floats per step). Measured on the CNN's forward pass: 24.8 ms as plain `Conv`, 14.9 ms
// as NCHWc `Conv` (+3.3 ms of layout conversions), batch 128, one thread.
import ort from 'onnxruntime-node';
import { GraphBuilder, type GraphTarget } from './graph.ts';

export const NCHWC = 'com.microsoft.nchwc';

let probe: Promise<number> | undefined;

/**
 * MLAS's NCHWc block size on this machine, or 0 where the blocked kernels do not exist
 * (non-x86 builds, or CPUs without AVX2). Asked of onnxruntime once: a 4-channel tensor
 * reordered to NCHWc comes back padded to exactly one block.
 */
export function nchwcBlockSize(): Promise<number> {
  probe ??= (async () => {
    const g = new GraphBuilder('nchwc_probe');
    const x = g.input('x', 'float32', [1, 4, 1, 1]);
    g.output(g.node(`${NCHWC}:ReorderInput`, [x]), 'y', 'float32', [1, 'C', 1, 1]);
    try {
      const session = await ort.InferenceSession.create(g.toBytes(), { graphOptimizationLevel: 'disabled' });
      const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
      await session.release();
      const block = out.y!.dims[1]!;
      return block === 8 || block === 16 ? block : 0;
    } catch {
      return 0;
    }
  })();
  return probe;
}

/** The target this machine's onnxruntime supports best. */
export async function nativeTarget(): Promise<GraphTarget> {
  return { nchwcBlock: await nchwcBlockSize() };
}

/**
 * Whether a plain (ungrouped, undilated) convolution can run blocked: output channels a
 * multiple of the block, input channels either a multiple of it or fewer than one block
 * (then MLAS reads the input in plain NCHW).
 */
export function blockedConvFits(block: number, inChannels: number, outChannels: number): boolean {
  return block > 0 && outChannels % block === 0 && (inChannels < block || inChannels % block === 0);
}

/**
 * The filter [Co, Ci, k, k] in the order MLAS reads: OIHWBiBo ([Co/B, Ci/B, k, k, Bi, Bo])
 * when the input is blocked, OIHWBo ([Co/B, Ci, k, k, Bo]) when it is plain NCHW.
 */
export function reorderFilter(g: GraphBuilder, w: string, shape: readonly [number, number, number, number], block: number): string {
  const [co, ci, kh, kw] = shape;
  const blocked =
    ci < block
      ? g.node('Transpose', [g.node('Reshape', [w, g.ints([co / block, block, ci, kh, kw])])], { perm: [0, 2, 3, 4, 1] })
      : g.node('Transpose', [g.node('Reshape', [w, g.ints([co / block, block, ci / block, block, kh, kw])])], { perm: [0, 2, 4, 5, 3, 1] });
  return g.node('Reshape', [blocked, g.ints([...shape])]);
}

/** Converts an NCHWc value back to plain layout: NCHW, or NHWC with `channelsLast`. */
export function unblock(g: GraphBuilder, blocked: string, channels: number, channelsLast = false): string {
  return g.node(`${NCHWC}:ReorderOutput`, [blocked], { channels, channels_last: channelsLast ? 1 : 0 });
}
