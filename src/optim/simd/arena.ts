// WebAssembly memory for the SIMD kernels: one arena per optimizer instance, holding
// that optimizer's state and staging space for parameters and gradients. Regions are
// 16-byte aligned and padded with zeros to a multiple of four floats.
import { KERNELS_WASM_BASE64 } from './kernels-wasm.ts';

export interface Kernels {
  readonly memory: WebAssembly.Memory;
  sgd(p: number, g: number, n: number, lr: number, wd: number): number;
  sgd_momentum(p: number, g: number, buf: number, n: number, lr: number, wd: number, mu: number, undamped: number, first: number, nesterov: number): number;
  adam(p: number, g: number, m: number, v: number, vmax: number, n: number, b1: number, b2: number, c1: number, c2: number, wd: number, shrink: number, step: number, invBc2Sqrt: number, eps: number, amsgrad: number): number;
}

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

  /** `n` zeroed floats (padded to a multiple of 4). */
  alloc(n: number): Region {
    const bytes = Math.ceil(n / 4) * 16;
    const offset = this.used;
    this.used += bytes;
    const need = Math.ceil(this.used / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    return new Region(this, offset, n);
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
