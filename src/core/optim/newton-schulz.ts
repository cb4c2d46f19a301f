// Muon's orthogonalisation (Jordan et al. 2024, github.com/KellerJordan/Muon,
// zeropower_via_newtonschulz5): five steps of a quintic Newton-Schulz iteration on G
// normalised to Frobenius norm 1, with the wide orientation (rows <= columns):
//   X = G / (‖G‖_F + 1e-7);  repeat: A = X Xᵀ;  B = b·A + c·A²;  X = a·X + B X
//   (a, b, c) = (3.4445, -4.7750, 2.0315)
// X stays U·f(S)·Vᵀ for G = U S Vᵀ, with f the scalar quintic iterated: the exact polar
// factor U Vᵀ up to singular values that land in roughly [0.7, 1.2] (the authors trade
// exact convergence for fewer steps). It runs in onnxruntime (its GEMMs are what make a
// Muon step affordable on a CPU), one session per matrix shape and precision: float32, or
// as the reference runs it, in bfloat16: every intermediate rounded to bfloat16 (round to
// nearest even, onnxruntime's Cast) after a float32 operation, which is what a GPU's
// bfloat16 kernels do (products accumulated in float32, the result rounded); only the
// order of those float32 sums can differ.
import ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph.ts';

export const NS_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;

const sessions = new Map<string, Promise<ort.InferenceSession>>();

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A number rounded to bfloat16 (round to nearest even, as PyTorch and onnxruntime's Cast round), as a float32. */
export function toBfloat16(x: number): number {
  f32[0] = x;
  if (Number.isNaN(f32[0])) return f32[0];
  const u = u32[0]!;
  u32[0] = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000;
  return f32[0];
}

/** ONNX's TensorProto data types. */
const FLOAT = 1;
const BFLOAT16 = 16;

function graph(rows: number, cols: number, steps: number, bf16: boolean): Uint8Array {
  const g = new GraphBuilder('newton_schulz5');
  const [a, b, c] = NS_COEFFICIENTS.map((v) => g.scalar(v));
  // bfloat16: each tensor rounded as the reference's bfloat16 ops leave it.
  const r = (x: string): string => (bf16 ? g.node('Cast', [g.node('Cast', [x], { to: BFLOAT16 })], { to: FLOAT }) : x);
  const node = (op: string, inputs: string[], attrs?: Record<string, number | number[]>): string => r(g.node(op, inputs, attrs));
  const input = r(g.input('g', 'float32', [rows, cols]));
  const tall = rows > cols;
  const wide = tall ? g.node('Transpose', [input], { perm: [1, 0] }) : input;
  const norm = node('Sqrt', [g.node('ReduceSumSquare', [wide], { keepdims: 1 })]);
  let x = node('Div', [wide, node('Add', [norm, g.scalar(1e-7)])]);
  for (let k = 0; k < steps; k++) {
    const A = node('MatMul', [x, g.node('Transpose', [x], { perm: [1, 0] })]);
    // `b * A + c * A @ A` as Python reads it: (c·A) @ A, which bfloat16 rounds differently from c·(A @ A).
    const B = node('Add', [node('Mul', [b!, A]), node('MatMul', [node('Mul', [c!, A]), A])]);
    x = node('Add', [node('Mul', [a!, x]), node('MatMul', [B, x])]);
  }
  g.output(tall ? g.node('Transpose', [x], { perm: [1, 0] }) : x, 'x', 'float32', [rows, cols]);
  return g.toBytes();
}

/** Newton-Schulz orthogonalisation of the row-major matrix `m` (rows x cols): a fresh array; `bf16`: in bfloat16, as the reference. */
export async function orthogonalise(m: Float32Array, rows: number, cols: number, steps = 5, bf16 = false): Promise<Float32Array> {
  if (m.length !== rows * cols) throw new Error(`orthogonalise: ${m.length} values for a ${rows} x ${cols} matrix`);
  const key = `${rows}x${cols}x${steps}${bf16 ? 'bf16' : ''}`;
  let session = sessions.get(key);
  if (!session) {
    session = ort.InferenceSession.create(graph(rows, cols, steps, bf16), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: bf16 ? 'disabled' : 'all',
    });
    sessions.set(key, session);
  }
  const out = await (await session).run({ g: new ort.Tensor('float32', m, [rows, cols]) });
  return Float32Array.from(out.x!.data as Float32Array);
}
