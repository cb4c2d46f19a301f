// Muon's orthogonalisation (Jordan et al. 2024, github.com/KellerJordan/Muon,
// zeropower_via_newtonschulz5): five steps of a quintic Newton-Schulz iteration on G
// normalised to Frobenius norm 1, with the wide orientation (rows <= columns):
//   X = G / (‖G‖_F + 1e-7);  repeat: A = X Xᵀ;  B = b·A + c·A²;  X = a·X + B X
//   (a, b, c) = (3.4445, -4.7750, 2.0315)
// X stays U·f(S)·Vᵀ for G = U S Vᵀ, with f the scalar quintic iterated: the exact polar
// factor U Vᵀ up to singular values that land in roughly [0.7, 1.2] (the authors trade
// exact convergence for fewer steps). The reference runs it in bfloat16 on a GPU; here
// it runs in float32 in onnxruntime (its GEMMs are what make a Muon step affordable on
// a CPU), one session per matrix shape.
import ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph.ts';

export const NS_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function graph(rows: number, cols: number, steps: number): Uint8Array {
  const g = new GraphBuilder('newton_schulz5');
  const [a, b, c] = NS_COEFFICIENTS.map((v) => g.scalar(v));
  const input = g.input('g', 'float32', [rows, cols]);
  const tall = rows > cols;
  const wide = tall ? g.node('Transpose', [input], { perm: [1, 0] }) : input;
  const norm = g.node('Sqrt', [g.node('ReduceSumSquare', [wide], { keepdims: 1 })]);
  let x = g.node('Div', [wide, g.node('Add', [norm, g.scalar(1e-7)])]);
  for (let k = 0; k < steps; k++) {
    const A = g.node('MatMul', [x, g.node('Transpose', [x], { perm: [1, 0] })]);
    const B = g.node('Add', [g.node('Mul', [b!, A]), g.node('Mul', [c!, g.node('MatMul', [A, A])])]);
    x = g.node('Add', [g.node('Mul', [a!, x]), g.node('MatMul', [B, x])]);
  }
  g.output(tall ? g.node('Transpose', [x], { perm: [1, 0] }) : x, 'x', 'float32', [rows, cols]);
  return g.toBytes();
}

/** Newton-Schulz orthogonalisation of the row-major matrix `m` (rows x cols): a fresh array. */
export async function orthogonalise(m: Float32Array, rows: number, cols: number, steps = 5): Promise<Float32Array> {
  if (m.length !== rows * cols) throw new Error(`orthogonalise: ${m.length} values for a ${rows} x ${cols} matrix`);
  const key = `${rows}x${cols}x${steps}`;
  let session = sessions.get(key);
  if (!session) {
    session = ort.InferenceSession.create(graph(rows, cols, steps), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    sessions.set(key, session);
  }
  const out = await (await session).run({ g: new ort.Tensor('float32', m, [rows, cols]) });
  return Float32Array.from(out.x!.data as Float32Array);
}
