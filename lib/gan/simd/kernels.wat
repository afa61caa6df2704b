;; SIMD kernels that work in place on TF.js's wasm heap (lib/gan/simd/index.ts
;; instantiates this module with the wasm backend's own memory), for the
;; element-wise work of a training step that TF.js would do in a dozen passes.
;;
;; Build: npm run build:wasm (wabt) writes kernels.wasm, which is committed;
;; test/gan/simd.test.ts checks that it is this file's build.
;; All pointers are byte offsets of float32 arrays in the heap; n is a count of floats.
(module
  (import "env" "memory" (memory 0))

  ;; One Adam step with DP-SGD's privatized gradient, for n weights:
  ;;   g' = (g + sd * z) * scale
  ;;   m' = b1 m + c1 g'        v' = b2 v + c2 g'^2
  ;;   p' = p - lr m' / (sqrt(v') + eps)
  ;; Without noise pass z = g and sd = 0. Float32 arithmetic, 4 lanes at a time.
  (func (export "adam")
    (param $p i32) (param $m i32) (param $v i32) (param $g i32) (param $z i32)
    (param $po i32) (param $mo i32) (param $vo i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32)
    (param $lr f32) (param $eps f32) (param $sd f32) (param $scale f32)
    (local $k i32) (local $vecEnd i32) (local $end i32)
    (local $B1 v128) (local $B2 v128) (local $C1 v128) (local $C2 v128)
    (local $LR v128) (local $EPS v128) (local $SD v128) (local $SCALE v128)
    (local $g4 v128) (local $m4 v128) (local $v4 v128)
    (local $g1 f32) (local $m1 f32) (local $v1 f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $LR (f32x4.splat (local.get $lr)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $SD (f32x4.splat (local.get $sd)))
    (local.set $SCALE (f32x4.splat (local.get $scale)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $vecDone
      (loop $vec
        (br_if $vecDone (i32.ge_u (local.get $k) (local.get $vecEnd)))
        (local.set $g4
          (f32x4.mul
            (f32x4.add
              (v128.load align=4 (i32.add (local.get $g) (local.get $k)))
              (f32x4.mul (local.get $SD) (v128.load align=4 (i32.add (local.get $z) (local.get $k)))))
            (local.get $SCALE)))
        (local.set $m4
          (f32x4.add
            (f32x4.mul (local.get $B1) (v128.load align=4 (i32.add (local.get $m) (local.get $k))))
            (f32x4.mul (local.get $C1) (local.get $g4))))
        (local.set $v4
          (f32x4.add
            (f32x4.mul (local.get $B2) (v128.load align=4 (i32.add (local.get $v) (local.get $k))))
            (f32x4.mul (local.get $C2) (f32x4.mul (local.get $g4) (local.get $g4)))))
        (v128.store align=4 (i32.add (local.get $mo) (local.get $k)) (local.get $m4))
        (v128.store align=4 (i32.add (local.get $vo) (local.get $k)) (local.get $v4))
        (v128.store align=4 (i32.add (local.get $po) (local.get $k))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $p) (local.get $k)))
            (f32x4.div
              (f32x4.mul (local.get $LR) (local.get $m4))
              (f32x4.add (f32x4.sqrt (local.get $v4)) (local.get $EPS)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $vec)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $g1
          (f32.mul
            (f32.add
              (f32.load (i32.add (local.get $g) (local.get $k)))
              (f32.mul (local.get $sd) (f32.load (i32.add (local.get $z) (local.get $k)))))
            (local.get $scale)))
        (local.set $m1
          (f32.add
            (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $k))))
            (f32.mul (local.get $c1) (local.get $g1))))
        (local.set $v1
          (f32.add
            (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $k))))
            (f32.mul (local.get $c2) (f32.mul (local.get $g1) (local.get $g1)))))
        (f32.store (i32.add (local.get $mo) (local.get $k)) (local.get $m1))
        (f32.store (i32.add (local.get $vo) (local.get $k)) (local.get $v1))
        (f32.store (i32.add (local.get $po) (local.get $k))
          (f32.sub
            (f32.load (i32.add (local.get $p) (local.get $k)))
            (f32.div
              (f32.mul (local.get $lr) (local.get $m1))
              (f32.add (f32.sqrt (local.get $v1)) (local.get $eps)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $tail))))
;; Products with a few rows (batch-1 training: 1 to 8 rows) against a large
  ;; right operand, which XNNPACK would first re-pack (every weight is a new
  ;; tensor after every update). a: [M, K] row-major; out: [M, N].

  ;; out[m, n] = sum_k a[m, k] b[n, k]   (b: [N, K], i.e. a b^T): dot products.
  (func (export "matmulRowsBT")
    (param $a i32) (param $b i32) (param $out i32) (param $M i32) (param $K i32) (param $N i32)
    (local $m i32) (local $n i32) (local $k i32) (local $rowA i32) (local $rowB i32)
    (local $vecEnd i32) (local $end i32) (local $acc v128) (local $s f32)
    (local.set $vecEnd (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $K) (i32.const 2)))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $rowA (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $end))))
        (local.set $n (i32.const 0))
        (block $nDone
          (loop $nLoop
            (br_if $nDone (i32.ge_u (local.get $n) (local.get $N)))
            (local.set $rowB (i32.add (local.get $b) (i32.mul (local.get $n) (local.get $end))))
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $vecEnd)))
                (local.set $acc
                  (f32x4.add (local.get $acc)
                    (f32x4.mul
                      (v128.load align=4 (i32.add (local.get $rowA) (local.get $k)))
                      (v128.load align=4 (i32.add (local.get $rowB) (local.get $k))))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $kLoop)))
            (local.set $s
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
            (block $tDone
              (loop $tLoop
                (br_if $tDone (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $s
                  (f32.add (local.get $s)
                    (f32.mul
                      (f32.load (i32.add (local.get $rowA) (local.get $k)))
                      (f32.load (i32.add (local.get $rowB) (local.get $k))))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $tLoop)))
            (f32.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $n)) (i32.const 2)))
              (local.get $s))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $nLoop)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop))))

  ;; out[m, :] = sum_k a[m, k] b[k, :]   (b: [K, N]): rows of b scaled and added.
  (func (export "matmulRowsB")
    (param $a i32) (param $b i32) (param $out i32) (param $M i32) (param $K i32) (param $N i32)
    (local $m i32) (local $k i32) (local $j i32) (local $rowOut i32) (local $rowB i32)
    (local $vecEnd i32) (local $end i32) (local $s4 v128) (local $s f32)
    (local.set $vecEnd (i32.shl (i32.and (local.get $N) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $N) (i32.const 2)))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $rowOut (i32.add (local.get $out) (i32.mul (local.get $m) (local.get $end))))
        (memory.fill (local.get $rowOut) (i32.const 0) (local.get $end))
        (local.set $k (i32.const 0))
        (block $kDone
          (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
            (local.set $s
              (f32.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $K)) (local.get $k)) (i32.const 2)))))
            (local.set $s4 (f32x4.splat (local.get $s)))
            (local.set $rowB (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $end))))
            (local.set $j (i32.const 0))
            (block $jDone
              (loop $jLoop
                (br_if $jDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
                (v128.store align=4 (i32.add (local.get $rowOut) (local.get $j))
                  (f32x4.add
                    (v128.load align=4 (i32.add (local.get $rowOut) (local.get $j)))
                    (f32x4.mul (local.get $s4) (v128.load align=4 (i32.add (local.get $rowB) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $jLoop)))
            (block $tDone
              (loop $tLoop
                (br_if $tDone (i32.ge_u (local.get $j) (local.get $end)))
                (f32.store (i32.add (local.get $rowOut) (local.get $j))
                  (f32.add
                    (f32.load (i32.add (local.get $rowOut) (local.get $j)))
                    (f32.mul (local.get $s) (f32.load (i32.add (local.get $rowB) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tLoop)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kLoop)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $mLoop))))
)
