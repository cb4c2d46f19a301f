// The graph builder's serialisation: what reaches onnxruntime is what the outputs need.
import { describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { existsSync, readFileSync } from 'node:fs';
import { GraphBuilder } from '../../src/core/onnx/graph.ts';
import { NCHWC, nchwcBlockSize } from '../../src/core/onnx/nchwc.ts';

const decode = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes);

describe('GraphBuilder', () => {
  it('drops nodes and constants no output depends on', async () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [2]);
    g.node('Mul', [x, g.scalar(7)]); // dead: nothing reads it
    g.output(g.node('Add', [x, g.scalar(1)]), 'y', 'float32', [2]);
    const model = decode(g.toBytes());
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(['Add']);
    expect(model.graph!.initializer).toHaveLength(1);
    const session = await ort.InferenceSession.create(g.toBytes());
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 3]);
  });

  it('isUsed: a reader counts, a graph output counts, an unread reshape or NCHWc conversion does not', () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [1, 16, 2, 2]);
    const a = g.node('Relu', [x]);
    const view = g.node('Reshape', [a, g.ints([16, 4])]);
    g.node(`${NCHWC}:ReorderOutput`, [a], { channels: 16 });
    expect(g.isUsed(a)).toBe(false); // only views of it exist, and nobody reads them
    expect(g.isUsed(view)).toBe(false);
    const b = g.node('Exp', [view]);
    expect(g.isUsed(a)).toBe(true); // through the reshape, now read by Exp
    expect(g.isUsed(b)).toBe(false);
    g.output(b, 'y', 'float32', [16, 4]);
    expect(g.isUsed(b)).toBe(true);
    expect(g.isUsed(g.node('Neg', [x]))).toBe(false);
    expect(g.isUsed(x)).toBe(true); // Relu and Neg read it
  });
  it('declares the opset of every operator domain it uses', () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', 'float32', [1, 4, 1, 1]);
    g.output(g.node(`${NCHWC}:ReorderInput`, [x]), 'y', 'float32', [1, 'C', 1, 1]);
    const model = decode(g.toBytes());
    expect(model.graph!.node![0]!.domain).toBe(NCHWC);
    expect(model.opsetImport!.map((o) => o.domain)).toEqual(['', NCHWC]);
  });
});

describe('nchwcBlockSize', () => {
  it('is 16 with AVX-512, 8 with AVX2, 0 without either (MLAS blocked kernels)', async () => {
    const block = await nchwcBlockSize();
    if (process.arch !== 'x64' || !existsSync('/proc/cpuinfo')) return expect([0, 8, 16]).toContain(block);
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    expect(block).toBe(/\bavx512f\b/.test(flags) ? 16 : /\bavx2\b/.test(flags) ? 8 : 0);
  });
});
