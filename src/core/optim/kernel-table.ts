// The table the SIMD module is built from: every registered optimizer's kernels in registry
// order (each once: AdamW shares Adam's), then the memory floors `npm run perf` compares
// against. scripts/build-kernels.ts turns it into kernels.wat, the embedded binary and the
// Kernels interface; a new SIMD optimizer is its file, its registry line and a rebuild.
import { listOptimizers, optimizerDefinition } from './registry.ts';
import { FLOORS, type KernelSource } from './simd/wat.ts';

export function kernelTable(): KernelSource[] {
  const byName = new Map<string, KernelSource>();
  for (const k of [...listOptimizers().flatMap((n) => optimizerDefinition(n).kernels ?? []), ...FLOORS]) {
    const seen = byName.get(k.name);
    if (seen && seen !== k) throw new Error(`two different SIMD kernels are named "${k.name}"`);
    byName.set(k.name, k);
  }
  return [...byName.values()];
}
