// The SIMD kernels: the embedded binary is the compiled kernels.wat, and a stepping
// optimizer allocates nothing after its first step (state and staging stay put).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileKernels } from '../../scripts/compile-kernels.ts';
import { KERNELS_WASM_BASE64 } from '../../src/core/optim/simd/kernels-wasm.ts';
import { Arena } from '../../src/core/optim/simd/arena.ts';
import { instantiate, type OptimizerDefinition, type Options } from '../../src/core/optim/optimizer.ts';
import { listOptimizers, optimizerDefinition } from '../../src/core/optim/registry.ts';
import { sgd } from '../../src/core/optim/sgd.ts';
import { kernelsTypes, kernelsWat } from '../../scripts/kernels-wat.ts';
import { wasmModule } from '../../scripts/build-kernels.ts';

describe('simd kernels', () => {
  it('embed exactly the compiled src/core/optim/simd/kernels.wat (run scripts/build-kernels.ts after editing it)', async () => {
    const wat = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'core', 'optim', 'simd', 'kernels.wat'), 'utf8');
    expect(Buffer.from(await compileKernels(wat)).toString('base64')).toBe(KERNELS_WASM_BASE64);
  });

  it("kernels.wat is the module of the optimizers' kernels (src/core/optim/kernel-table.ts), and kernels-wasm.ts's interface is theirs", () => {
    const wat = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'core', 'optim', 'simd', 'kernels.wat'), 'utf8');
    expect(wat).toBe(kernelsWat());
    const module = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'core', 'optim', 'simd', 'kernels-wasm.ts'), 'utf8');
    expect(module).toBe(wasmModule(KERNELS_WASM_BASE64, kernelsTypes()));
  });

  it('pad regions to whole vectors, zero-filled, 16-byte aligned', () => {
    const arena = new Arena();
    const a = arena.alloc(5);
    const b = arena.alloc(3);
    expect(a.offset % 16).toBe(0);
    expect(b.offset - a.offset).toBe(32);
    expect(Array.from(a.array)).toEqual([0, 0, 0, 0, 0]);
  });

  it('process an odd-sized tensor exactly like its elementwise definition', () => {
    const p = new Float32Array([1, -2, 3, 0.5, 7]);
    const g = new Float32Array([0.5, 0.25, -1, 2, 0]);
    const opt = instantiate(sgd, { lr: 0.5, weightDecay: 0.1 });
    const norm = opt.step([p], [g]);
    const expected = [1, -2, 3, 0.5, 7].map((x, i) => Math.fround(x - Math.fround(0.5 * Math.fround(g[i]! + Math.fround(0.1 * x)))));
    expect(Array.from(p)).toEqual(expected);
    expect(norm).toBeCloseTo(Math.hypot(...expected.map((v, i) => v - [1, -2, 3, 0.5, 7][i]!)), 6);
  });

  // Every variant whose kernel reads an extra stream or flag.
  const variants: Record<string, Options> = {
    sgd: { momentum: 0.9, nesterov: true },
    adam: { amsgrad: true },
    rmsprop: { centered: true, momentum: 0.5 },
  };
  // The SIMD optimizers: those whose parameters live in their arena (Adafactor and Muon are scalar JavaScript).
  for (const def of listOptimizers()
    .map(optimizerDefinition)
    .filter((d) => d.home)) {
    it(`${def.name}: no new memory or state after the first step`, () => {
      const sizes = [1000, 37, 4096, 3];
      const params = sizes.map((n) => new Float32Array(n).fill(0.5));
      const grads = sizes.map((n) => new Float32Array(n).fill(0.1));
      const states: unknown[] = [];
      const spy: OptimizerDefinition<Options, unknown> = {
        ...def,
        init: (n, o, arena, shape, role) => {
          const s = def.init(n, o, arena, shape, role);
          states.push(s);
          return s;
        },
      };
      const opt = instantiate(spy, variants[def.name] ?? {});
      opt.step(params, grads);
      const arena = (states[0] as { arena: Arena }).arena;
      const buffer = arena.memory.buffer;
      const views = states.map((s) => (s as { p: { array: Float32Array } }).p.array);
      for (let i = 0; i < 50; i++) opt.step(params, grads);
      expect(states).toHaveLength(sizes.length);
      expect(arena.memory.buffer).toBe(buffer);
      states.forEach((s, i) => expect((s as { p: { array: Float32Array } }).p.array).toBe(views[i]));
    });
  }
});
