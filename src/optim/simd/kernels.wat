;; Fused optimizer loops in WebAssembly SIMD (f32x4), for the optimizers on the hot path.
;; Arithmetic is float32, in torch.optim's order of operations; each kernel also returns
;; the sum of squared parameter changes, for the update norm: squared and summed in float32
;; over blocks of 64 parameters (16 per lane, relative error below 1e-6), the blocks summed
;; in float64. Promoting every square to float64 instead took a third of Adam's loop.
;; Pointers are byte offsets of 16-byte-aligned regions padded with zeros to a multiple
;; of four floats, so the loops need no scalar tail. Regenerate the embedded binary with
;; `node --import tsx scripts/build-kernels.ts` after editing this file.
(module
  (memory (export "memory") 1)

  ;; The final sum of the two float64 accumulators (low and high lanes of the blocks' sums).
  ;; Called once per kernel; the per-block accumulation is written out in each loop, as V8
  ;; does not inline wasm calls and a call per element tripled the loop's time.
  (func $total (param $lo v128) (param $hi v128) (result f64)
    (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo)))
      (f64.add (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  ;; SGD without momentum: d = g + wd·p; p -= lr·d.
  (func (export "sgd") (param $p i32) (param $g i32) (param $n i32) (param $lr f32) (param $wd f32) (result f64)
    (local $end i32) (local $old v128) (local $next v128) (local $lo v128) (local $hi v128) (local $dd v128) (local $acc v128) (local $stop i32) (local $vlr v128) (local $vwd v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $stop (select (i32.add (local.get $p) (i32.const 256)) (local.get $end)
          (i32.lt_u (i32.add (local.get $p) (i32.const 256)) (local.get $end))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (loop $loop
        (local.set $old (v128.load (local.get $p)))
        (local.set $next (f32x4.sub (local.get $old)
          (f32x4.mul (local.get $vlr) (f32x4.add (v128.load (local.get $g)) (f32x4.mul (local.get $vwd) (local.get $old))))))
        (v128.store (local.get $p) (local.get $next))
        (local.set $dd (f32x4.sub (local.get $next) (local.get $old)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $dd) (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $loop (i32.lt_u (local.get $p) (local.get $stop))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $acc))))
        (local.set $hi (f64x2.add (local.get $hi)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))
        (br $block)))
    (call $total (local.get $lo) (local.get $hi)))

  ;; SGD with momentum: d = g + wd·p; b = first ? d : μ·b + (1-τ)·d; d = nesterov ? d + μ·b : b; p -= lr·d.
  (func (export "sgd_momentum") (param $p i32) (param $g i32) (param $buf i32) (param $n i32)
      (param $lr f32) (param $wd f32) (param $mu f32) (param $undamped f32) (param $first i32) (param $nesterov i32) (result f64)
    (local $end i32) (local $old v128) (local $d v128) (local $b v128) (local $next v128) (local $lo v128) (local $hi v128) (local $dd v128) (local $acc v128) (local $stop i32)
    (local $vlr v128) (local $vwd v128) (local $vmu v128) (local $vund v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $vmu (f32x4.splat (local.get $mu)))
    (local.set $vund (f32x4.splat (local.get $undamped)))
    
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $stop (select (i32.add (local.get $p) (i32.const 256)) (local.get $end)
          (i32.lt_u (i32.add (local.get $p) (i32.const 256)) (local.get $end))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (loop $loop
        (local.set $old (v128.load (local.get $p)))
        (local.set $d (f32x4.add (v128.load (local.get $g)) (f32x4.mul (local.get $vwd) (local.get $old))))
        (local.set $b (select (result v128) (local.get $d)
          (f32x4.add (f32x4.mul (v128.load (local.get $buf)) (local.get $vmu)) (f32x4.mul (local.get $vund) (local.get $d)))
          (local.get $first)))
        (v128.store (local.get $buf) (local.get $b))
        (local.set $d (select (result v128) (f32x4.add (local.get $d) (f32x4.mul (local.get $vmu) (local.get $b))) (local.get $b) (local.get $nesterov)))
        (local.set $next (f32x4.sub (local.get $old) (f32x4.mul (local.get $vlr) (local.get $d))))
        (v128.store (local.get $p) (local.get $next))
        (local.set $dd (f32x4.sub (local.get $next) (local.get $old)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $dd) (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $buf (i32.add (local.get $buf) (i32.const 16)))
        (br_if $loop (i32.lt_u (local.get $p) (local.get $stop))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $acc))))
        (local.set $hi (f64x2.add (local.get $hi)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))
        (br $block)))
    (call $total (local.get $lo) (local.get $hi)))

  ;; Adam / AdamW: g += wd·p (coupled); p *= shrink (decoupled); m = β1·m + (1-β1)·g;
  ;; v = β2·v + (1-β2)·g²; v̂ = amsgrad ? max(vmax, v) : v; p -= step·m / (sqrt(v̂)·(1/sqrt(1-β2ᵗ)) + eps).
  ;; (torch divides by sqrt(1-β2ᵗ); multiplying by its reciprocal differs by at most an ulp
  ;; and saves one of the two vector divisions, the costliest instructions in the loop.)
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $vmax i32) (param $n i32)
      (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32) (param $wd f32) (param $shrink f32)
      (param $step f32) (param $invbc2sqrt f32) (param $eps f32) (param $amsgrad i32) (result f64)
    (local $end i32) (local $old v128) (local $gi v128) (local $mi v128) (local $vi v128) (local $next v128) (local $lo v128) (local $hi v128) (local $dd v128) (local $acc v128) (local $stop i32)
    (local $vb1 v128) (local $vb2 v128) (local $vc1 v128) (local $vc2 v128) (local $vwd v128) (local $vshrink v128)
    (local $vstep v128) (local $vinvbc2 v128) (local $veps v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vwd (f32x4.splat (local.get $wd)))
    (local.set $vshrink (f32x4.splat (local.get $shrink)))
    (local.set $vstep (f32x4.splat (local.get $step)))
    (local.set $vinvbc2 (f32x4.splat (local.get $invbc2sqrt)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $stop (select (i32.add (local.get $p) (i32.const 256)) (local.get $end)
          (i32.lt_u (i32.add (local.get $p) (i32.const 256)) (local.get $end))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (loop $loop
        (local.set $old (v128.load (local.get $p)))
        (local.set $gi (f32x4.add (v128.load (local.get $g)) (f32x4.mul (local.get $vwd) (local.get $old))))
        (local.set $mi (f32x4.add (f32x4.mul (v128.load (local.get $m)) (local.get $vb1)) (f32x4.mul (local.get $vc1) (local.get $gi))))
        (v128.store (local.get $m) (local.get $mi))
        (local.set $vi (f32x4.add (f32x4.mul (v128.load (local.get $v)) (local.get $vb2))
          (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $gi) (local.get $gi)))))
        (v128.store (local.get $v) (local.get $vi))
        (if (local.get $amsgrad)
          (then
            (local.set $vi (f32x4.max (v128.load (local.get $vmax)) (local.get $vi)))
            (v128.store (local.get $vmax) (local.get $vi))
            (local.set $vmax (i32.add (local.get $vmax) (i32.const 16)))))
        (local.set $next (f32x4.sub (f32x4.mul (local.get $old) (local.get $vshrink))
          (f32x4.mul (local.get $vstep)
            (f32x4.div (local.get $mi) (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vi)) (local.get $vinvbc2)) (local.get $veps))))))
        (v128.store (local.get $p) (local.get $next))
        (local.set $dd (f32x4.sub (local.get $next) (local.get $old)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $dd) (local.get $dd))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br_if $loop (i32.lt_u (local.get $p) (local.get $stop))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $acc))))
        (local.set $hi (f64x2.add (local.get $hi)
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc)))))
        (br $block)))
    (call $total (local.get $lo) (local.get $hi)))
)
