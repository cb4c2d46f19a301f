// WebAssembly memory for the SIMD kernels: one arena per optimizer instance, holding
// that optimizer's state and staging space for parameters and gradients. Regions are
// 16-byte aligned and padded with zeros to a multiple of four floats.
import { KERNELS_WASM_BASE64, type Kernels } from './kernels-wasm.ts';

export type { Kernels };

let compiled: WebAssembly.Module | undefined;
const PAGE = 65536;

export class Arena {
  readonly kernels: Kernels;
  private used = 16; // offset 0 stays unused so that 0 can mean "no region"

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    this.kernels = new WebAssembly.Instance(compiled, {}).exports as unknown as Kernels;
  }

  get memory(): WebAssembly.Memory {
    return this.kernels.memory;
  }

  /** `n` zeroed floats (padded to a multiple of 4); `scratch`: staging space, overwritten before every read (not state). */
  alloc(n: number, scratch = false): Region {
    const bytes = Math.ceil(n / 4) * 16;
    const offset = this.used;
    this.used += bytes;
    const need = Math.ceil(this.used / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    return new Region(this, offset, n, scratch);
  }
}

/** A float32 region of an arena; its view is re-made only when the memory has grown. */
export class Region {
  private cached: Float32Array;

  constructor(
    private readonly arena: Arena,
    /** Byte offset, for the kernels. */
    readonly offset: number,
    /** Floats in use (the kernels process the padded length). */
    readonly length: number,
    /** Staging space (a gradient copied in before each kernel call): a checkpoint leaves it out. */
    readonly scratch = false,
  ) {
    this.cached = new Float32Array(arena.memory.buffer, offset, length);
  }

  /** Whether `a` is this region itself (then kernels can work on it without copies). */
  holds(a: Float32Array): boolean {
    return a.buffer === this.arena.memory.buffer && a.byteOffset === this.offset && a.length === this.length;
  }

  get array(): Float32Array {
    if (this.cached.buffer !== this.arena.memory.buffer) this.cached = new Float32Array(this.arena.memory.buffer, this.offset, this.length);
    return this.cached;
  }
}

/** What every SIMD optimizer keeps per tensor: its arena, the parameters' home and the gradient's staging region. */
export interface SimdState {
  readonly arena: Arena;
  readonly p: Region;
  readonly g: Region;
}

/** A tensor's state in a fresh arena: p and g, then `regions` (name -> floats; 0 for an absent one). */
export function simdState<K extends string>(arena: Arena, n: number, regions: Readonly<Record<K, number>>): SimdState & Record<K, Region | null> {
  const state: Record<string, unknown> = { arena, p: arena.alloc(n), g: arena.alloc(n, true) };
  for (const [k, size] of Object.entries<number>(regions)) state[k] = size > 0 ? arena.alloc(size) : null;
  return state as SimdState & Record<K, Region | null>;
}

/**
 * One kernel call on a tensor: the parameters are copied in unless they already live in the
 * arena (`Optimizer.adopt`), the gradient always; the parameters are copied back out the same
 * way. Returns the kernel's Σ(Δp)².
 */
export function simdStep(s: SimdState, p: Float32Array, g: Float32Array, run: (k: Kernels) => number): number {
  const inPlace = s.p.holds(p);
  if (!inPlace) s.p.array.set(p);
  s.g.array.set(g);
  const sq = run(s.arena.kernels);
  if (!inPlace) p.set(s.p.array);
  return sq;
}

/** The byte offset of a region, or 0 (never read) for an absent one. */
export const at = (r: Region | null): number => r?.offset ?? 0;
