;; AdamW's loops over float32 buffers, four parameters at a time (WebAssembly SIMD), for adamwInPlace in adamw.ts.
;; The buffers themselves stay in JavaScript (a Large model's are over 4 GB together); adamw.ts copies each chunk of
;; them into this module's memory, runs a loop on it, and copies the chunk back. Offsets are in bytes, counts in
;; parameters, rounded up to whole lanes of four by the caller (the extra lanes are computed and never copied back;
;; sumOfSquares's are zeros).
(module
  (memory (export "memory") 0)

  ;; m ← b1·m + g1·g;  v ← b2·v + g2·g²;  p ← p·decay − m / (√v + eps) · stepSize
  ;; (float32 arithmetic in the order of the graph form, adamw() in adamw.ts)
  (func (export "step")
    (param $n i32) (param $p i32) (param $m i32) (param $v i32) (param $g i32)
    (param $decay f32) (param $b1 f32) (param $b2 f32) (param $g1 f32) (param $g2 f32) (param $stepSize f32) (param $eps f32)
    (local $at i32) (local $end i32) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $Decay v128) (local $B1 v128) (local $B2 v128) (local $G1 v128) (local $G2 v128) (local $StepSize v128) (local $Eps v128)
    (local.set $Decay (f32x4.splat (local.get $decay)))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $G1 (f32x4.splat (local.get $g1)))
    (local.set $G2 (f32x4.splat (local.get $g2)))
    (local.set $StepSize (f32x4.splat (local.get $stepSize)))
    (local.set $Eps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $at))))
        (local.set $mi
          (f32x4.add
            (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $at))))
            (f32x4.mul (local.get $gi) (local.get $G1))))
        (local.set $vi
          (f32x4.add
            (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $at))))
            (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $G2))))
        (v128.store (i32.add (local.get $m) (local.get $at)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $at)) (local.get $vi))
        (v128.store (i32.add (local.get $p) (local.get $at))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $at))) (local.get $Decay))
            (f32x4.mul
              (f32x4.div (local.get $mi) (f32x4.add (f32x4.sqrt (local.get $vi)) (local.get $Eps)))
              (local.get $StepSize))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next))))

  ;; p ← p·factor
  (func (export "scale") (param $n i32) (param $p i32) (param $factor f32)
    (local $at i32) (local $end i32) (local $Factor v128)
    (local.set $Factor (f32x4.splat (local.get $factor)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (v128.store (i32.add (local.get $p) (local.get $at))
          (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $at))) (local.get $Factor)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next))))

  ;; Σ x², in float64 (two running sums of two lanes each)
  (func (export "sumOfSquares") (param $n i32) (param $x i32) (result f64)
    (local $at i32) (local $end i32) (local $low v128) (local $high v128) (local $a v128) (local $b v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $low (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (local.get $at)))))
        (local.set $high (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $x) (local.get $at)))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $low) (local.get $low))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $high) (local.get $high))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (local.set $a (f64x2.add (local.get $a) (local.get $b)))
    (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a)))))
