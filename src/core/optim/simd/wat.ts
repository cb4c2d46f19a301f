// The SIMD kernels' source: a small DSL that writes WebAssembly text (f32x4), the one loop
// template every element-wise optimizer update runs in, and the module around them. Each
// optimizer declares its kernels in its own file (`OptimizerDefinition.kernels`), written
// once as the per-element arithmetic, in torch.optim's order of operations and in float32 as
// torch computes it. The loop around a body is the same for all: load the parameter, run the
// body, store the new parameter and any state, accumulate the squared change (float32 over
// blocks of 64 parameters, 16 per lane; the blocks in float64), advance every stream by one
// vector. Regions are 16-byte aligned and padded to whole vectors, so there is no scalar tail.
// scripts/build-kernels.ts assembles the table (src/core/optim/kernel-table.ts) into kernels.wat
// and the embedded binary with its TypeScript interface (kernels-wasm.ts).

/** A WAT expression yielding a v128. */
export type Expr = string;

const op =
  (name: string) =>
  (...args: Expr[]) =>
    `(f32x4.${name} ${args.join(' ')})`;
export const add = op('add');
export const sub = op('sub');
export const mul = op('mul');
export const div = op('div');
export const max = op('max');
export const sqrt = op('sqrt');
export const abs = op('abs');
/** A local vector: a splatted scalar parameter ($v<name>) or a temporary. */
export const v = (name: string): Expr => `(local.get $v${name})`;
export const t = (name: string): Expr => `(local.get $${name})`;
export const load = (stream: string): Expr => `(v128.load (local.get $${stream}))`;
export const set = (name: string, e: Expr) => `(local.set $${name} ${e})`;
export const store = (stream: string, e: Expr) => `(v128.store (local.get $${stream}) ${e})`;
/** `flag ? a : b` for an i32 parameter known per call. */
export const choose = (flag: string, a: Expr, b: Expr): Expr => `(select (result v128) ${a} ${b} (local.get $${flag}))`;
export const old = t('old');
export const g = load('g');
export const ZERO = '(v128.const f32x4 0 0 0 0)';
export const ONE = '(v128.const f32x4 1 1 1 1)';

/** Adam's moments from $gi: m = β1·m + (1-β1)·g and v = β2·v + (1-β2)·g², kept in $mi and $vi. */
export const adamMoments = [
  set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), t('gi')))),
  store('m', t('mi')),
  set('vi', add(mul(load('v'), v('b2')), mul(v('c2'), mul(t('gi'), t('gi'))))),
  store('v', t('vi')),
];

export interface Kernel {
  readonly name: string;
  /** What it computes, as a comment above it. */
  readonly doc: string;
  /** State regions besides p and g, each advanced one vector per step (an unused one is passed as 0 and never read). */
  readonly streams: readonly string[];
  /** Scalar parameters: f32 ones are splatted into $v<name>; i32 ones are per-call flags. */
  readonly scalars: readonly (readonly [string, 'f32' | 'i32'])[];
  /** Vector temporaries the body sets. */
  readonly temps: readonly string[];
  /** Instructions computing $next from $old (and storing state). */
  readonly body: readonly string[];
  /** Skip the Σ(Δp)² accumulation (the memory floors below). */
  readonly bare?: boolean;
  /** Sum the squares of this vector instead of the change Δp (a kernel that computes a norm). */
  readonly accumulate?: Expr;
}

/** A kernel written out in WAT by hand (loops the template cannot express), with its TypeScript signature. */
export interface RawKernel {
  readonly name: string;
  readonly wat: string;
  /** Its parameters and result as a TypeScript method signature's tail, e.g. `(g: number, n: number): void`. */
  readonly signature: string;
}

export type KernelSource = Kernel | RawKernel;

const isRaw = (k: KernelSource): k is RawKernel => 'wat' in k;

/**
 * The memory floors `npm run perf` measures the optimizers against: a bare read-modify-write
 * of the same bytes (p and `states` state streams updated from g, nothing else computed).
 */
export const FLOORS: readonly Kernel[] = [0, 1, 2, 3].map((states) => {
  const streams = Array.from({ length: states }, (_, i) => `s${i}`);
  return {
    name: `floor_${states}`,
    doc: `Memory floor: p += g and ${states} state stream(s) += g, nothing else.`,
    streams,
    scalars: [],
    temps: [],
    bare: true,
    body: [...streams.map((st) => store(st, add(load(st), g))), set('next', add(old, g))],
  };
});

/** Σp² of a vector (`p` is only read; `g` is unused). Shared by the optimizers that need a norm. */
export const SUMSQ: Kernel = {
  name: 'sumsq',
  doc: 'Σp², p unchanged (a tensor norm for a trust ratio).',
  streams: [],
  scalars: [],
  temps: [],
  body: [set('next', old)],
  accumulate: old,
};

/** A template kernel as a WAT function. */
export function kernelWat(k: Kernel): string {
  const params = [...['p', 'g', ...k.streams].map((s) => `(param $${s} i32)`), '(param $n i32)', ...k.scalars.map(([s, type]) => `(param $${s} ${type})`)].join(
    ' ',
  );
  const vectors = k.scalars.filter(([, type]) => type === 'f32').map(([s]) => s);
  const locals = [
    '(local $end i32) (local $stop i32)',
    ...['old', 'next', 'dd', 'acc', 'lo', 'hi', ...k.temps, ...vectors.map((s) => `v${s}`)].map((l) => `(local $${l} v128)`),
  ].join(' ');
  const advance = ['p', 'g', ...k.streams].map((s) => `(local.set $${s} (i32.add (local.get $${s}) (i32.const 16)))`);
  const lines = [
    ...k.doc.split('\n').map((l) => `  ;; ${l}`),
    `  (func (export "${k.name}") ${params} (result f64)`,
    `    ${locals}`,
    '    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))',
    ...vectors.map((s) => `    (local.set $v${s} (f32x4.splat (local.get $${s})))`),
    '    (block $done',
    '      (loop $block',
    '        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))',
    '        (local.set $stop (select (i32.add (local.get $p) (i32.const 256)) (local.get $end) (i32.lt_u (i32.add ' +
      '(local.get $p) (i32.const 256)) (local.get $end))))',
    '        (local.set $acc (v128.const i32x4 0 0 0 0))',
    '        (loop $loop',
    '          (local.set $old (v128.load (local.get $p)))',
    ...k.body.map((b) => `          ${b}`),
    '          (v128.store (local.get $p) (local.get $next))',
    ...(k.bare
      ? []
      : [
          `          (local.set $dd ${k.accumulate ?? '(f32x4.sub (local.get $next) (local.get $old))'})`,
          '          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $dd) (local.get $dd))))',
        ]),
    ...advance.map((a) => `          ${a}`),
    '          (br_if $loop (i32.lt_u (local.get $p) (local.get $stop))))',
    '        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $acc))))',
    '        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 ' +
      '15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))',
    '        (br $block)))',
    '    (call $total (local.get $lo) (local.get $hi)))',
  ];
  return lines.join('\n');
}

/** A kernel's TypeScript method signature in the generated Kernels interface. */
function signature(k: KernelSource): string {
  if (isRaw(k)) return `${k.name}${k.signature};`;
  const params = ['p', 'g', ...k.streams, 'n', ...k.scalars.map(([s]) => s)].map((s) => `${s}: number`);
  return `${k.name}(${params.join(', ')}): number;`;
}

/** The WAT module of `kernels`, in that order. */
export function moduleWat(kernels: readonly KernelSource[]): string {
  return `;; Generated by scripts/build-kernels.ts from the optimizers' kernels; do not edit.
;; Every optimizer's update loop in WebAssembly SIMD (f32x4), float32 in torch.optim's order
;; of operations; each returns the sum of squared parameter changes for the update norm.
(module
  (memory (export "memory") 1)

  ;; The final sum of the two float64 accumulators (low and high lanes of the blocks' sums).
  ;; Called once per kernel: V8 does not inline wasm calls, and a call per element tripled the loop's time.
  (func $total (param $lo v128) (param $hi v128) (result f64)
    (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo)))
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

${kernels.map((k) => (isRaw(k) ? k.wat : kernelWat(k))).join('\n\n')}
)
`;
}

/** The TypeScript interface of the module's exports. */
export function kernelsInterface(kernels: readonly KernelSource[]): string {
  return [
    '/** The kernels of kernels.wat: pointers are byte offsets into the arena, flags 0 or 1. */',
    'export interface Kernels {',
    '  readonly memory: WebAssembly.Memory;',
    ...kernels.map((k) => `  ${signature(k)}`),
    '}',
  ].join('\n');
}
