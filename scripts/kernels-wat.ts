// Generates src/optim/simd/kernels.wat: every optimizer's update loop in WebAssembly SIMD
// (f32x4), each written once below as the per-element arithmetic, in torch.optim's order of
// operations and in float32 as torch computes it. The loop around it is the same for all:
// load the parameter, run the body, store the new parameter and any state, accumulate the
// squared change (float32 over blocks of 64 parameters, 16 per lane; the blocks in float64),
// advance every stream by one vector. Regions are 16-byte aligned and padded to whole
// vectors, so there is no scalar tail.
// Used by scripts/build-kernels.ts; test/optim/simd.test.ts checks kernels.wat is current.

/** A WAT expression yielding a v128. */
type Expr = string;

const op =
  (name: string) =>
  (...args: Expr[]) =>
    `(f32x4.${name} ${args.join(' ')})`;
const add = op('add');
const sub = op('sub');
const mul = op('mul');
const div = op('div');
const max = op('max');
const sqrt = op('sqrt');
const abs = op('abs');
/** A local vector: a splatted scalar parameter ($v<name>) or a temporary. */
const v = (name: string): Expr => `(local.get $v${name})`;
const t = (name: string): Expr => `(local.get $${name})`;
const load = (stream: string): Expr => `(v128.load (local.get $${stream}))`;
const set = (name: string, e: Expr) => `(local.set $${name} ${e})`;
const store = (stream: string, e: Expr) => `(v128.store (local.get $${stream}) ${e})`;
/** `flag ? a : b` for an i32 parameter known per call. */
const choose = (flag: string, a: Expr, b: Expr): Expr => `(select (result v128) ${a} ${b} (local.get $${flag}))`;
const old = t('old');
const g = load('g');
const ZERO = '(v128.const f32x4 0 0 0 0)';
const ONE = '(v128.const f32x4 1 1 1 1)';

/** Adam's moments from $gi: m = β1·m + (1-β1)·g and v = β2·v + (1-β2)·g², kept in $mi and $vi. */
const adamMoments = [
  set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), t('gi')))),
  store('m', t('mi')),
  set('vi', add(mul(load('v'), v('b2')), mul(v('c2'), mul(t('gi'), t('gi'))))),
  store('v', t('vi')),
];

interface Kernel {
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

const KERNELS: readonly Kernel[] = [
  {
    name: 'sgd',
    doc: 'SGD without momentum: d = g + wd·p; p -= lr·d.',
    streams: [],
    scalars: [
      ['lr', 'f32'],
      ['wd', 'f32'],
    ],
    temps: [],
    body: [set('next', sub(old, mul(v('lr'), add(g, mul(v('wd'), old)))))],
  },
  {
    name: 'sgd_momentum',
    doc: 'SGD with momentum: d = g + wd·p; b = first ? d : μ·b + (1-τ)·d; d = nesterov ? d + μ·b : b; p -= lr·d.',
    streams: ['buf'],
    scalars: [
      ['lr', 'f32'],
      ['wd', 'f32'],
      ['mu', 'f32'],
      ['undamped', 'f32'],
      ['first', 'i32'],
      ['nesterov', 'i32'],
    ],
    temps: ['d', 'b'],
    body: [
      set('d', add(g, mul(v('wd'), old))),
      set('b', choose('first', t('d'), add(mul(load('buf'), v('mu')), mul(v('undamped'), t('d'))))),
      store('buf', t('b')),
      set('d', choose('nesterov', add(t('d'), mul(v('mu'), t('b'))), t('b'))),
      set('next', sub(old, mul(v('lr'), t('d')))),
    ],
  },
  {
    name: 'adam',
    doc: [
      'Adam / AdamW: g += wd·p (coupled); p *= shrink (decoupled); m = β1·m + (1-β1)·g;',
      'v = β2·v + (1-β2)·g²; v̂ = amsgrad ? max(vmax, v) : v; p -= step·m / (sqrt(v̂)·(1/sqrt(1-β2ᵗ)) + eps).',
      '(torch divides by sqrt(1-β2ᵗ); multiplying by its reciprocal differs by at most an ulp',
      'and saves one of the two vector divisions, the costliest instructions in the loop.)',
    ].join('\n'),
    streams: ['m', 'v', 'vmax'],
    scalars: [
      ['b1', 'f32'],
      ['b2', 'f32'],
      ['c1', 'f32'],
      ['c2', 'f32'],
      ['wd', 'f32'],
      ['shrink', 'f32'],
      ['step', 'f32'],
      ['invbc2', 'f32'],
      ['eps', 'f32'],
      ['amsgrad', 'i32'],
    ],
    temps: ['gi', 'mi', 'vi'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      ...adamMoments,
      `(if (local.get $amsgrad) (then ${set('vi', max(load('vmax'), t('vi')))} ${store('vmax', t('vi'))}))`,
      set('next', sub(mul(old, v('shrink')), mul(v('step'), div(t('mi'), add(mul(sqrt(t('vi')), v('invbc2')), v('eps')))))),
    ],
  },
  {
    name: 'rmsprop',
    doc: [
      'RMSprop: g += wd·p; s = α·s + (1-α)·g²; centered: a = α·a + (1-α)·g, avg = sqrt(s - a²), else sqrt(s);',
      'avg += eps; momentum: b = μ·b + g/avg, p -= lr·b; else p -= lr·g/avg.',
    ].join('\n'),
    streams: ['sq', 'gavg', 'buf'],
    scalars: [
      ['alpha', 'f32'],
      ['c', 'f32'],
      ['eps', 'f32'],
      ['wd', 'f32'],
      ['mu', 'f32'],
      ['lr', 'f32'],
      ['centered', 'i32'],
      ['momentum', 'i32'],
    ],
    temps: ['gi', 'si', 'ga', 'avg', 'b'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      set('si', add(mul(load('sq'), v('alpha')), mul(v('c'), mul(t('gi'), t('gi'))))),
      store('sq', t('si')),
      `(if (local.get $centered) (then ${set('ga', add(mul(load('gavg'), v('alpha')), mul(v('c'), t('gi'))))} ${store('gavg', t('ga'))} ${set('si', sub(t('si'), mul(t('ga'), t('ga'))))}))`,
      set('avg', add(sqrt(t('si')), v('eps'))),
      `(if (local.get $momentum) (then ${set('b', add(mul(load('buf'), v('mu')), div(t('gi'), t('avg'))))} ${store('buf', t('b'))} ${set('next', sub(old, mul(v('lr'), t('b'))))}) (else ${set('next', sub(old, mul(v('lr'), div(t('gi'), t('avg')))))}))`,
    ],
  },
  {
    name: 'adagrad',
    doc: 'Adagrad: g += wd·p; s += g²; p -= clr·g / (sqrt(s) + eps), clr = lr / (1 + (t-1)·lr_decay).',
    streams: ['sum'],
    scalars: [
      ['clr', 'f32'],
      ['wd', 'f32'],
      ['eps', 'f32'],
    ],
    temps: ['gi', 'si'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      set('si', add(load('sum'), mul(t('gi'), t('gi')))),
      store('sum', t('si')),
      set('next', sub(old, mul(v('clr'), div(t('gi'), add(sqrt(t('si')), v('eps')))))),
    ],
  },
  {
    name: 'adadelta',
    doc: 'Adadelta: g += wd·p; s = ρ·s + (1-ρ)·g²; δ = sqrt(a + eps) / sqrt(s + eps) · g; a = ρ·a + (1-ρ)·δ²; p -= lr·δ.',
    streams: ['sq', 'dsq'],
    scalars: [
      ['rho', 'f32'],
      ['c', 'f32'],
      ['eps', 'f32'],
      ['wd', 'f32'],
      ['lr', 'f32'],
    ],
    temps: ['gi', 'si', 'delta'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      set('si', add(mul(load('sq'), v('rho')), mul(v('c'), mul(t('gi'), t('gi'))))),
      store('sq', t('si')),
      set('delta', mul(div(sqrt(add(load('dsq'), v('eps'))), sqrt(add(t('si'), v('eps')))), t('gi'))),
      store('dsq', add(mul(load('dsq'), v('rho')), mul(v('c'), mul(t('delta'), t('delta'))))),
      set('next', sub(old, mul(v('lr'), t('delta')))),
    ],
  },
  {
    name: 'adamax',
    doc: 'Adamax: g += wd·p; m = β1·m + (1-β1)·g; u = max(β2·u, |g| + eps); p -= clr·m/u, clr = lr / (1-β1ᵗ).',
    streams: ['m', 'u'],
    scalars: [
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['b2', 'f32'],
      ['eps', 'f32'],
      ['wd', 'f32'],
      ['clr', 'f32'],
    ],
    temps: ['gi', 'mi', 'ui'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), t('gi')))),
      store('m', t('mi')),
      set('ui', max(mul(load('u'), v('b2')), add(abs(t('gi')), v('eps')))),
      store('u', t('ui')),
      set('next', sub(old, mul(v('clr'), div(t('mi'), t('ui'))))),
    ],
  },
  {
    name: 'nadam',
    doc: [
      'NAdam: g += wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; d = sqrt(v / (1-β2ᵗ)) + eps;',
      'p -= cg·g/d; p -= cm·m/d (the per-step cg, cm from the momentum schedule, computed outside).',
    ].join('\n'),
    streams: ['m', 'v'],
    scalars: [
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['b2', 'f32'],
      ['c2', 'f32'],
      ['bc2', 'f32'],
      ['eps', 'f32'],
      ['wd', 'f32'],
      ['cg', 'f32'],
      ['cm', 'f32'],
    ],
    temps: ['gi', 'mi', 'vi', 'd'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      ...adamMoments,
      set('d', add(sqrt(div(t('vi'), v('bc2'))), v('eps'))),
      set('next', sub(sub(old, mul(v('cg'), div(t('gi'), t('d')))), mul(v('cm'), div(t('mi'), t('d'))))),
    ],
  },
  {
    name: 'radam',
    doc: [
      'RAdam: g += wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; m̂ = m/(1-β1ᵗ);',
      'adaptive steps: p -= m̂·lr·(sqrt(1-β2ᵗ) / (sqrt(v) + eps))·rect; otherwise p -= m̂·lr.',
    ].join('\n'),
    streams: ['m', 'v'],
    scalars: [
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['b2', 'f32'],
      ['c2', 'f32'],
      ['bc1', 'f32'],
      ['lr', 'f32'],
      ['bc2sqrt', 'f32'],
      ['eps', 'f32'],
      ['rect', 'f32'],
      ['wd', 'f32'],
      ['adaptive', 'i32'],
    ],
    temps: ['gi', 'mi', 'vi', 'step'],
    body: [
      set('gi', add(g, mul(v('wd'), old))),
      ...adamMoments,
      set('step', mul(div(t('mi'), v('bc1')), v('lr'))),
      `(if (local.get $adaptive) (then ${set('step', mul(mul(t('step'), div(v('bc2sqrt'), add(sqrt(t('vi')), v('eps')))), v('rect')))}))`,
      set('next', sub(old, t('step'))),
    ],
  },
  {
    name: 'adabelief',
    doc: [
      'AdaBelief (adabelief-pytorch 0.2.0): p *= shrink (decoupled decay); g += wd·p (coupled); m = β1·m + (1-β1)·g;',
      's = β2·s + (1-β2)·(g-m)² + eps (stored, as the reference adds eps in place); v = amsgrad ? max(smax, s) : s;',
      'mode 0: p -= step·m / (sqrt(v)·(1/sqrt(1-β2ᵗ)) + eps); 1 (rectified): p -= step·m / (sqrt(s) + eps); 2: p -= step·m; 3: no step.',
    ].join('\n'),
    streams: ['m', 's', 'smax'],
    scalars: [
      ['shrink', 'f32'],
      ['wd', 'f32'],
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['b2', 'f32'],
      ['c2', 'f32'],
      ['eps', 'f32'],
      ['invbc2', 'f32'],
      ['step', 'f32'],
      ['amsgrad', 'i32'],
      ['mode', 'i32'],
    ],
    temps: ['pi', 'gi', 'mi', 'r', 'si', 'vi'],
    body: [
      set('pi', mul(old, v('shrink'))),
      set('gi', add(g, mul(v('wd'), t('pi')))),
      set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), t('gi')))),
      store('m', t('mi')),
      set('r', sub(t('gi'), t('mi'))),
      set('si', add(add(mul(load('s'), v('b2')), mul(v('c2'), mul(t('r'), t('r')))), v('eps'))),
      store('s', t('si')),
      set('vi', t('si')),
      `(if (local.get $amsgrad) (then ${set('vi', max(load('smax'), t('si')))} ${store('smax', t('vi'))}))`,
      set('next', t('pi')),
      `(if (i32.eq (local.get $mode) (i32.const 0)) (then ${set('next', sub(t('pi'), mul(v('step'), div(t('mi'), add(mul(sqrt(t('vi')), v('invbc2')), v('eps'))))))}))`,
      `(if (i32.eq (local.get $mode) (i32.const 1)) (then ${set('next', sub(t('pi'), mul(v('step'), div(t('mi'), add(sqrt(t('si')), v('eps'))))))}))`,
      `(if (i32.eq (local.get $mode) (i32.const 2)) (then ${set('next', sub(t('pi'), mul(v('step'), t('mi'))))}))`,
    ],
  },
  {
    name: 'lamb_update',
    doc: [
      'LAMB, first pass (tensorflow-addons LAMB): m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;',
      'u = (m/(1-β1ᵗ)) / (sqrt(v/(1-β2ᵗ)) + eps) + wd·p, written over g; p unchanged; returns Σu².',
    ].join('\n'),
    streams: ['m', 'v'],
    scalars: [
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['b2', 'f32'],
      ['c2', 'f32'],
      ['bc1', 'f32'],
      ['bc2', 'f32'],
      ['eps', 'f32'],
      ['wd', 'f32'],
    ],
    temps: ['gi', 'mi', 'vi', 'u'],
    body: [
      set('gi', g),
      ...adamMoments,
      set('u', add(div(div(t('mi'), v('bc1')), add(sqrt(div(t('vi'), v('bc2'))), v('eps'))), mul(v('wd'), old))),
      store('g', t('u')),
      set('next', old),
    ],
    accumulate: t('u'),
  },
  {
    name: 'lamb_apply',
    doc: 'LAMB, second pass: p -= step·u, with u from lamb_update (in g) and step = trust ratio · lr.',
    streams: [],
    scalars: [['step', 'f32']],
    temps: [],
    body: [set('next', sub(old, mul(v('step'), g)))],
  },
  {
    name: 'sumsq',
    doc: 'Σp², p unchanged (a tensor norm for a trust ratio).',
    streams: [],
    scalars: [],
    temps: [],
    body: [set('next', old)],
    accumulate: old,
  },
  {
    name: 'lion',
    doc: 'Lion: c = β1·m + (1-β1)·g; p = p·shrink - lr·sign(c); m = β2·m + (1-β2)·g (sign(0) = 0; NaN stays NaN).',
    streams: ['m'],
    scalars: [
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['b2', 'f32'],
      ['c2', 'f32'],
      ['shrink', 'f32'],
      ['lr', 'f32'],
    ],
    temps: ['c', 'sign'],
    body: [
      set('c', add(mul(load('m'), v('b1')), mul(v('c1'), g))),
      // 1 where c > 0, -1 where c < 0, else c·0 (0, or NaN for NaN).
      set(
        'sign',
        `(v128.bitselect ${ONE} (v128.bitselect (f32x4.neg ${ONE}) (f32x4.mul ${t('c')} ${ZERO}) (f32x4.lt ${t('c')} ${ZERO})) (f32x4.gt ${t('c')} ${ZERO}))`,
      ),
      set('next', sub(mul(old, v('shrink')), mul(v('lr'), t('sign')))),
      store('m', add(mul(load('m'), v('b2')), mul(v('c2'), g))),
    ],
  },
  {
    name: 'sophia',
    doc: [
      'Sophia-G (Liu et al. 2023, Liuhong99/Sophia SophiaG): p *= 1 - lr·wd; m = β1·m + (1-β1)·g;',
      'p -= lr·sign(m)·min(|m| / (ρ·bs·h + 1e-15), 1)  (sign(0) = 0; h is read, updated by ema_sq).',
    ].join('\n'),
    streams: ['m', 'h'],
    scalars: [
      ['shrink', 'f32'],
      ['b1', 'f32'],
      ['c1', 'f32'],
      ['scale', 'f32'],
      ['lr', 'f32'],
    ],
    temps: ['mi', 'sign', 'ratio'],
    body: [
      set('mi', add(mul(load('m'), v('b1')), mul(v('c1'), g))),
      store('m', t('mi')),
      set(
        'sign',
        `(v128.bitselect ${ONE} (v128.bitselect (f32x4.neg ${ONE}) (f32x4.mul ${t('mi')} ${ZERO}) (f32x4.lt ${t('mi')} ${ZERO})) (f32x4.gt ${t('mi')} ${ZERO}))`,
      ),
      set('ratio', `(f32x4.min ${div(abs(t('mi')), add(mul(v('scale'), load('h')), '(v128.const f32x4 1e-15 1e-15 1e-15 1e-15)'))} ${ONE})`),
      set('next', sub(mul(old, v('shrink')), mul(v('lr'), mul(t('sign'), t('ratio'))))),
    ],
  },
  {
    name: 'ema_sq',
    doc: "An exponential average of squares, p = β·p + (1-β)·g² (Sophia-G's curvature estimate h, passed as p).",
    streams: [],
    scalars: [
      ['beta', 'f32'],
      ['c', 'f32'],
    ],
    temps: [],
    bare: true,
    body: [set('next', add(mul(old, v('beta')), mul(v('c'), mul(g, g))))],
  },
  {
    name: 'scale_add',
    doc: "p = p·shrink + step·u, with u passed as g (Adafactor's last pass: decoupled decay, then the clipped step).",
    streams: [],
    scalars: [
      ['shrink', 'f32'],
      ['step', 'f32'],
    ],
    temps: [],
    body: [set('next', add(mul(old, v('shrink')), mul(v('step'), g)))],
  },
  {
    name: 'schedulefree_sgd',
    doc: [
      'Schedule-free SGD (facebookresearch/schedule_free SGDScheduleFree): d = g + wd·y;',
      'y = y + c·(z - y) + ylr·d, ylr = lr·(β(1-c) - 1); z -= lr·d. p holds y.',
    ].join('\n'),
    streams: ['z'],
    scalars: [
      ['wd', 'f32'],
      ['ckp1', 'f32'],
      ['ylr', 'f32'],
      ['lr', 'f32'],
    ],
    temps: ['d', 'zi'],
    body: [
      set('d', add(g, mul(v('wd'), old))),
      set('zi', load('z')),
      set('next', add(add(old, mul(v('ckp1'), sub(t('zi'), old))), mul(v('ylr'), t('d')))),
      store('z', sub(t('zi'), mul(v('lr'), t('d')))),
    ],
  },
  {
    name: 'schedulefree_adamw',
    doc: [
      'Schedule-free AdamW (AdamWScheduleFree): v = β2·v + (1-β2)·g²; d = g / (sqrt(v / (1-β2ᵗ)) + eps) + wd·y;',
      'y = y + c·(z - y) + ylr·d, ylr = lr·(β1(1-c) - 1); z -= lr·d. p holds y.',
    ].join('\n'),
    streams: ['z', 'v'],
    scalars: [
      ['b2', 'f32'],
      ['c2', 'f32'],
      ['bc2', 'f32'],
      ['eps', 'f32'],
      ['wd', 'f32'],
      ['ckp1', 'f32'],
      ['ylr', 'f32'],
      ['lr', 'f32'],
    ],
    temps: ['vi', 'd', 'zi'],
    body: [
      set('vi', add(mul(load('v'), v('b2')), mul(v('c2'), mul(g, g)))),
      store('v', t('vi')),
      set('d', add(div(g, add(sqrt(div(t('vi'), v('bc2'))), v('eps'))), mul(v('wd'), old))),
      set('zi', load('z')),
      set('next', add(add(old, mul(v('ckp1'), sub(t('zi'), old))), mul(v('ylr'), t('d')))),
      store('z', sub(t('zi'), mul(v('lr'), t('d')))),
    ],
  },
];

/**
 * The memory floors `npm run perf` measures the optimizers against: a bare read-modify-write
 * of the same bytes (p and `states` state streams updated from g, nothing else computed).
 */
const FLOORS: readonly Kernel[] = [0, 1, 2, 3].map((states) => {
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

/**
 * Adafactor's factored passes (src/optim/adafactor.ts), written out by hand: they walk a
 * rows x cols matrix row by row (SIMD over each row's whole vectors, a scalar tail when
 * cols is not a multiple of 4), which the one-stream template above cannot express.
 */
const FACTORED = `  ;; Adafactor, first pass: rowsq[i] = Σ_j g[i,j]², colsq[j] = Σ_i g[i,j]² (float32 sums, four lanes then the tail).
  (func (export "factor_stats") (param $g i32) (param $rowsq i32) (param $colsq i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $vec i32) (local $c i32) (local $acc v128) (local $sq v128) (local $s f32) (local $x f32)
    (local.set $j (i32.const 0))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $j) (local.get $cols)))
      (f32.store (i32.add (local.get $colsq) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zero)))
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $rowsdone (loop $row
      (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $vdone (loop $v
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $sq (v128.load (local.get $g)))
        (local.set $sq (f32x4.mul (local.get $sq) (local.get $sq)))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $sq)))
        (local.set $c (i32.add (local.get $colsq) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $c) (f32x4.add (v128.load (local.get $c)) (local.get $sq)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $v)))
      (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $tdone (loop $t
        (br_if $tdone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $x (f32.load (local.get $g)))
        (local.set $x (f32.mul (local.get $x) (local.get $x)))
        (local.set $s (f32.add (local.get $s) (local.get $x)))
        (local.set $c (i32.add (local.get $colsq) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $c) (f32.add (f32.load (local.get $c)) (local.get $x)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $t)))
      (f32.store (i32.add (local.get $rowsq) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $row))))

  ;; Adafactor, second pass: u[i,j] = g[i,j]·(rs[i]·c[j] > floor ? rr[i]·cr[j] : invfloor), with rs = r/mean(r),
  ;; rr = 1/sqrt(rs), cr = 1/sqrt(c) (1/sqrt(V) for V = r_i·c_j/mean(r) clamped at floor = eps1²); returns Σu².
  (func (export "factor_update") (param $g i32) (param $u i32) (param $rs i32) (param $rr i32) (param $c i32) (param $cr i32) (param $rows i32) (param $cols i32) (param $floor f32) (param $invfloor f32) (result f64)
    (local $i i32) (local $j i32) (local $vec i32) (local $off i32) (local $acc v128) (local $x v128) (local $vri v128) (local $vrr v128)
    (local $vfloor v128) (local $vinv v128) (local $ri f32) (local $rroot f32) (local $s f32) (local $y f32) (local $total f64)
    (local.set $vfloor (f32x4.splat (local.get $floor)))
    (local.set $vinv (f32x4.splat (local.get $invfloor)))
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $rowsdone (loop $row
      (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $ri (f32.load (i32.add (local.get $rs) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $rroot (f32.load (i32.add (local.get $rr) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $vri (f32x4.splat (local.get $ri)))
      (local.set $vrr (f32x4.splat (local.get $rroot)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $vdone (loop $v
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (local.set $x (f32x4.mul (v128.load (local.get $g))
          (v128.bitselect (f32x4.mul (local.get $vrr) (v128.load (i32.add (local.get $cr) (local.get $off)))) (local.get $vinv)
            (f32x4.gt (f32x4.mul (local.get $vri) (v128.load (i32.add (local.get $c) (local.get $off)))) (local.get $vfloor)))))
        (v128.store (local.get $u) (local.get $x))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) (local.get $x))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $u (i32.add (local.get $u) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $v)))
      (local.set $s (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $tdone (loop $t
        (br_if $tdone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (local.set $y (f32.mul (f32.load (local.get $g))
          (select (f32.mul (local.get $rroot) (f32.load (i32.add (local.get $cr) (local.get $off)))) (local.get $invfloor)
            (f32.gt (f32.mul (local.get $ri) (f32.load (i32.add (local.get $c) (local.get $off)))) (local.get $floor)))))
        (f32.store (local.get $u) (local.get $y))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $y) (local.get $y))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $u (i32.add (local.get $u) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $t)))
      (local.set $total (f64.add (local.get $total) (f64.promote_f32 (local.get $s))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $row)))
    (local.get $total))`;

function kernel(k: Kernel): string {
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
    '        (local.set $stop (select (i32.add (local.get $p) (i32.const 256)) (local.get $end) (i32.lt_u (i32.add (local.get $p) (i32.const 256)) (local.get $end))))',
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
    '        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))',
    '        (br $block)))',
    '    (call $total (local.get $lo) (local.get $hi)))',
  ];
  return lines.join('\n');
}

export function kernelsWat(): string {
  return `;; Generated by scripts/kernels-wat.ts; do not edit (run scripts/build-kernels.ts).
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

${[...KERNELS, ...FLOORS].map(kernel).join('\n\n')}

${FACTORED}
)
`;
}
