// An optimizer's per-tensor state as plain data, and back: what a mid-cell checkpoint keeps
// so that a later process continues the very same trajectory. States are walked, not
// described: typed arrays and arena regions are copied, numbers, booleans, strings and null
// kept, arrays and plain objects walked; the arena itself is this process's (restoring
// writes into the regions a fresh `adopt` made, so the kernels find their state where they
// look). Anything else (a class instance, a function, a Map) cannot be captured faithfully
// and is refused with the path to it.
import { Arena, Region } from './simd/arena.ts';

export class StateNotCapturable extends Error {
  constructor(
    readonly path: string,
    readonly found: string,
  ) {
    super(`${path} is ${found}; a checkpointed state holds typed arrays, numbers, booleans, strings, null, arrays and plain objects only`);
    this.name = 'StateNotCapturable';
  }
}

/** Marks where a state held its arena (restored as the fresh state's own). */
const ARENA = '\u0000arena';

const plain = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const describe = (v: unknown): string =>
  typeof v === 'object' && v !== null ? `an instance of ${(v as object).constructor?.name ?? 'an unknown class'}` : `a ${typeof v}`;

/** A copy of `v` as data; `skip` values (the parameters' own home) are left out as null. */
export function captureState(v: unknown, path = 'state', skip?: ReadonlySet<unknown>): unknown {
  if (skip?.has(v)) return null;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (v instanceof Arena) return ARENA;
  if (v instanceof Region) return v.scratch ? null : Float32Array.from(v.array);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return (v as Float32Array).slice();
  if (Array.isArray(v)) return v.map((x, i) => captureState(x, `${path}[${i}]`, skip));
  if (typeof v === 'object' && plain(v))
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, captureState(x, `${path}.${k}`, skip)]));
  throw new StateNotCapturable(path, describe(v));
}

/**
 * Puts captured data back into a freshly initialised state: regions and typed arrays of the
 * same kind and length are filled in place (the kernels and other fields may hold them),
 * anything else is replaced. Returns the value to keep at this place.
 */
export function restoreState(current: unknown, saved: unknown): unknown {
  if (saved === ARENA) return current;
  // The parameters' home (the weights restore it) or staging space.
  if (saved === null && current instanceof Region) return current;
  if (ArrayBuffer.isView(saved)) {
    const s = saved as Float32Array;
    if (current instanceof Region && s instanceof Float32Array && s.length === current.length) {
      current.array.set(s);
      return current;
    }
    if (ArrayBuffer.isView(current) && current.constructor === s.constructor && (current as Float32Array).length === s.length) {
      (current as Float32Array).set(s);
      return current;
    }
    return s.slice();
  }
  if (Array.isArray(saved)) {
    if (Array.isArray(current) && current.length === saved.length) {
      saved.forEach((x, i) => (current[i] = restoreState(current[i], x)));
      return current;
    }
    return saved.map((x) => restoreState(undefined, x));
  }
  if (typeof saved === 'object' && saved !== null) {
    const target = typeof current === 'object' && current !== null && plain(current) ? (current as Record<string, unknown>) : {};
    for (const [k, x] of Object.entries(saved)) target[k] = restoreState(target[k], x);
    return target;
  }
  return saved;
}
