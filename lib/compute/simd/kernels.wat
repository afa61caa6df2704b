;; SIMD kernels that work in place on TF.js's wasm heap (lib/compute/simd/index.ts
;; instantiates this module with the wasm backend's own memory), for the
;; element-wise work of a training step that TF.js would do in a dozen passes;
;; and, at the end, float64 kernels for logistic regression and kNN, which run
;; them on a memory of their own (ownMemoryKernels).
;;
;; Build: npm run build:wasm (wabt) writes kernels.wasm, which is committed;
;; test/compute/simd.test.ts checks that it is this file's build.
;; All pointers are byte offsets into the memory; n is a count of values
;; (float32, except in the float64 kernels).
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

  ;; Products with 1 to 3 rows (from 4 rows: gemm below) against a right
  ;; operand that XNNPACK would first re-pack (every weight is a new tensor
  ;; after every update). a: [M, K] row-major; out: [M, N]. Rows go in pairs,
  ;; so b, usually the largest operand (a 1024 x 1024 weight: 4 MB), is read
  ;; once per pair; a last single row is computed twice and stored once.

  ;; out[m, n] = sum_k a[m, k] b[n, k]   (b: [N, K], i.e. a b^T): dot products.
  (func (export "matmulRowsBT")
    (param $a i32) (param $b i32) (param $out i32) (param $M i32) (param $K i32) (param $N i32)
    (local $m i32) (local $n i32) (local $k i32) (local $pair i32) (local $rowA i32) (local $rowA2 i32) (local $rowB i32)
    (local $vecEnd i32) (local $end i32) (local $acc v128) (local $acc2 v128) (local $bv v128)
    (local $s f32) (local $s2 f32) (local $x f32)
    (local.set $vecEnd (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $K) (i32.const 2)))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        ;; Rows m and m + 1; for a last single row, row m twice.
        (local.set $pair (i32.lt_u (i32.add (local.get $m) (i32.const 1)) (local.get $M)))
        (local.set $rowA (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $end))))
        (local.set $rowA2 (select (i32.add (local.get $rowA) (local.get $end)) (local.get $rowA) (local.get $pair)))
        (local.set $n (i32.const 0))
        (block $nDone
          (loop $nLoop
            (br_if $nDone (i32.ge_u (local.get $n) (local.get $N)))
            (local.set $rowB (i32.add (local.get $b) (i32.mul (local.get $n) (local.get $end))))
            (local.set $acc (v128.const f32x4 0 0 0 0))
            (local.set $acc2 (v128.const f32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $vecEnd)))
                (local.set $bv (v128.load align=4 (i32.add (local.get $rowB) (local.get $k))))
                (local.set $acc
                  (f32x4.add (local.get $acc)
                    (f32x4.mul (v128.load align=4 (i32.add (local.get $rowA) (local.get $k))) (local.get $bv))))
                (local.set $acc2
                  (f32x4.add (local.get $acc2)
                    (f32x4.mul (v128.load align=4 (i32.add (local.get $rowA2) (local.get $k))) (local.get $bv))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $kLoop)))
            (local.set $s
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
            (local.set $s2
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc2)) (f32x4.extract_lane 1 (local.get $acc2)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc2)) (f32x4.extract_lane 3 (local.get $acc2)))))
            (block $tDone
              (loop $tLoop
                (br_if $tDone (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $x (f32.load (i32.add (local.get $rowB) (local.get $k))))
                (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (i32.add (local.get $rowA) (local.get $k))) (local.get $x))))
                (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.load (i32.add (local.get $rowA2) (local.get $k))) (local.get $x))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $tLoop)))
            (f32.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $n)) (i32.const 2)))
              (local.get $s))
            (if (local.get $pair)
              (then
                (f32.store
                  (i32.add (local.get $out)
                    (i32.shl (i32.add (i32.mul (i32.add (local.get $m) (i32.const 1)) (local.get $N)) (local.get $n)) (i32.const 2)))
                  (local.get $s2))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $nLoop)))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $mLoop))))

  ;; out[m, :] = sum_k a[m, k] b[k, :]   (b: [K, N]): rows of b scaled and
  ;; added, two output rows at a time. The accumulation happens in out, so a
  ;; last single row goes alone (the pair loop's body with one row).
  (func (export "matmulRowsB")
    (param $a i32) (param $b i32) (param $out i32) (param $M i32) (param $K i32) (param $N i32)
    (local $m i32) (local $k i32) (local $j i32) (local $pair i32) (local $rowOut i32) (local $rowOut2 i32)
    (local $rowA i32) (local $rowA2 i32) (local $rowB i32) (local $vecEnd i32) (local $end i32) (local $endA i32)
    (local $s4 v128) (local $t4 v128) (local $bv v128) (local $s f32) (local $t f32) (local $x f32)
    (local.set $vecEnd (i32.shl (i32.and (local.get $N) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $N) (i32.const 2)))
    (local.set $endA (i32.shl (local.get $K) (i32.const 2)))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $pair (i32.lt_u (i32.add (local.get $m) (i32.const 1)) (local.get $M)))
        (local.set $rowOut (i32.add (local.get $out) (i32.mul (local.get $m) (local.get $end))))
        (local.set $rowOut2 (i32.add (local.get $rowOut) (local.get $end)))
        (local.set $rowA (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $endA))))
        (local.set $rowA2 (i32.add (local.get $rowA) (local.get $endA)))
        (memory.fill (local.get $rowOut) (i32.const 0) (local.get $end))
        (if (local.get $pair) (then (memory.fill (local.get $rowOut2) (i32.const 0) (local.get $end))))
        (local.set $k (i32.const 0))
        (block $kDone
          (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
            (local.set $s (f32.load (i32.add (local.get $rowA) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $s4 (f32x4.splat (local.get $s)))
            (local.set $rowB (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $end))))
            (local.set $j (i32.const 0))
            (if (local.get $pair)
              (then
                (local.set $t (f32.load (i32.add (local.get $rowA2) (i32.shl (local.get $k) (i32.const 2)))))
                (local.set $t4 (f32x4.splat (local.get $t)))
                (block $jDone
                  (loop $jLoop
                    (br_if $jDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
                    (local.set $bv (v128.load align=4 (i32.add (local.get $rowB) (local.get $j))))
                    (v128.store align=4 (i32.add (local.get $rowOut) (local.get $j))
                      (f32x4.add (v128.load align=4 (i32.add (local.get $rowOut) (local.get $j))) (f32x4.mul (local.get $s4) (local.get $bv))))
                    (v128.store align=4 (i32.add (local.get $rowOut2) (local.get $j))
                      (f32x4.add (v128.load align=4 (i32.add (local.get $rowOut2) (local.get $j))) (f32x4.mul (local.get $t4) (local.get $bv))))
                    (local.set $j (i32.add (local.get $j) (i32.const 16)))
                    (br $jLoop)))
                (block $tDone
                  (loop $tLoop
                    (br_if $tDone (i32.ge_u (local.get $j) (local.get $end)))
                    (local.set $x (f32.load (i32.add (local.get $rowB) (local.get $j))))
                    (f32.store (i32.add (local.get $rowOut) (local.get $j))
                      (f32.add (f32.load (i32.add (local.get $rowOut) (local.get $j))) (f32.mul (local.get $s) (local.get $x))))
                    (f32.store (i32.add (local.get $rowOut2) (local.get $j))
                      (f32.add (f32.load (i32.add (local.get $rowOut2) (local.get $j))) (f32.mul (local.get $t) (local.get $x))))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))
                    (br $tLoop))))
              (else
                (block $j1Done
                  (loop $j1Loop
                    (br_if $j1Done (i32.ge_u (local.get $j) (local.get $vecEnd)))
                    (v128.store align=4 (i32.add (local.get $rowOut) (local.get $j))
                      (f32x4.add
                        (v128.load align=4 (i32.add (local.get $rowOut) (local.get $j)))
                        (f32x4.mul (local.get $s4) (v128.load align=4 (i32.add (local.get $rowB) (local.get $j))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 16)))
                    (br $j1Loop)))
                (block $t1Done
                  (loop $t1Loop
                    (br_if $t1Done (i32.ge_u (local.get $j) (local.get $end)))
                    (f32.store (i32.add (local.get $rowOut) (local.get $j))
                      (f32.add
                        (f32.load (i32.add (local.get $rowOut) (local.get $j)))
                        (f32.mul (local.get $s) (f32.load (i32.add (local.get $rowB) (local.get $j))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))
                    (br $t1Loop)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kLoop)))
        (local.set $m (i32.add (local.get $m) (i32.const 2)))
        (br $mLoop))))

  ;; out[M, N] = a[M, K] b[K, N], all row-major, for operands that change on
  ;; every call (a weight after each update, a gradient), which XNNPACK would
  ;; first re-pack. Register-blocked: 4 rows of a by 8 columns of b in 8
  ;; accumulators over the whole of K, so each vector of b serves 4 rows and
  ;; each output is stored once; then 4 columns at a time, then one. A last
  ;; block of fewer than 4 rows repeats its last row's pointer and stores only
  ;; its own rows. Each output is the sum over k in order (no reassociation).
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $out i32) (param $M i32) (param $K i32) (param $N i32)
    (local $m i32) (local $rows i32) (local $strideA i32) (local $strideB i32) (local $kEnd i32)
    (local $end8 i32) (local $end4 i32) (local $endN i32) (local $rowOut i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $j i32) (local $kb i32) (local $pb i32) (local $o i32)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $x f32) (local $y0 f32) (local $y1 f32) (local $y2 f32) (local $y3 f32)
    (local.set $strideA (i32.shl (local.get $K) (i32.const 2)))
    (local.set $strideB (i32.shl (local.get $N) (i32.const 2)))
    (local.set $kEnd (local.get $strideA))
    (local.set $end8 (i32.shl (i32.and (local.get $N) (i32.const -8)) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $N) (i32.const -4)) (i32.const 2)))
    (local.set $endN (local.get $strideB))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $rows (i32.sub (local.get $M) (local.get $m)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $strideA))))
        (local.set $a1 (select (i32.add (local.get $a0) (local.get $strideA)) (local.get $a0) (i32.gt_u (local.get $rows) (i32.const 1))))
        (local.set $a2 (select (i32.add (local.get $a1) (local.get $strideA)) (local.get $a1) (i32.gt_u (local.get $rows) (i32.const 2))))
        (local.set $a3 (select (i32.add (local.get $a2) (local.get $strideA)) (local.get $a2) (i32.gt_u (local.get $rows) (i32.const 3))))
        (local.set $rowOut (i32.add (local.get $out) (i32.mul (local.get $m) (local.get $strideB))))
        (local.set $j (i32.const 0))
        (block $c8Done
          (loop $c8
            (br_if $c8Done (i32.ge_u (local.get $j) (local.get $end8)))
            (local.set $c00 (v128.const f32x4 0 0 0 0))
            (local.set $c01 (v128.const f32x4 0 0 0 0))
            (local.set $c10 (v128.const f32x4 0 0 0 0))
            (local.set $c11 (v128.const f32x4 0 0 0 0))
            (local.set $c20 (v128.const f32x4 0 0 0 0))
            (local.set $c21 (v128.const f32x4 0 0 0 0))
            (local.set $c30 (v128.const f32x4 0 0 0 0))
            (local.set $c31 (v128.const f32x4 0 0 0 0))
            (local.set $kb (i32.const 0))
            (local.set $pb (i32.add (local.get $b) (local.get $j)))
            (block $kc8Done
              (loop $kc8
                (br_if $kc8Done (i32.ge_u (local.get $kb) (local.get $kEnd)))
                (local.set $b0 (v128.load align=4 (local.get $pb)))
                (local.set $b1 (v128.load offset=16 align=4 (local.get $pb)))
                (local.set $s (f32x4.splat (f32.load (i32.add (local.get $a0) (local.get $kb)))))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (f32x4.splat (f32.load (i32.add (local.get $a1) (local.get $kb)))))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (f32x4.splat (f32.load (i32.add (local.get $a2) (local.get $kb)))))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (f32x4.splat (f32.load (i32.add (local.get $a3) (local.get $kb)))))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
                (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                (br $kc8)))
            (local.set $o (i32.add (local.get $rowOut) (local.get $j)))
            (v128.store align=4 (local.get $o) (local.get $c00)) (v128.store offset=16 align=4 (local.get $o) (local.get $c01))
            (if (i32.gt_u (local.get $rows) (i32.const 1)) (then (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 1))) (local.get $c10)) (v128.store offset=16 align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 1))) (local.get $c11))))
            (if (i32.gt_u (local.get $rows) (i32.const 2)) (then (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 2))) (local.get $c20)) (v128.store offset=16 align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 2))) (local.get $c21))))
            (if (i32.gt_u (local.get $rows) (i32.const 3)) (then (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 3))) (local.get $c30)) (v128.store offset=16 align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 3))) (local.get $c31))))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $c8)))
        (block $c4Done
          (loop $c4
            (br_if $c4Done (i32.ge_u (local.get $j) (local.get $end4)))
            (local.set $c00 (v128.const f32x4 0 0 0 0))
            (local.set $c10 (v128.const f32x4 0 0 0 0))
            (local.set $c20 (v128.const f32x4 0 0 0 0))
            (local.set $c30 (v128.const f32x4 0 0 0 0))
            (local.set $kb (i32.const 0))
            (local.set $pb (i32.add (local.get $b) (local.get $j)))
            (block $kc4Done
              (loop $kc4
                (br_if $kc4Done (i32.ge_u (local.get $kb) (local.get $kEnd)))
                (local.set $b0 (v128.load align=4 (local.get $pb)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a0) (local.get $kb)))) (local.get $b0))))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a1) (local.get $kb)))) (local.get $b0))))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a2) (local.get $kb)))) (local.get $b0))))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a3) (local.get $kb)))) (local.get $b0))))
                (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
                (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                (br $kc4)))
            (local.set $o (i32.add (local.get $rowOut) (local.get $j)))
            (v128.store align=4 (local.get $o) (local.get $c00))
            (if (i32.gt_u (local.get $rows) (i32.const 1)) (then (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 1))) (local.get $c10))))
            (if (i32.gt_u (local.get $rows) (i32.const 2)) (then (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 2))) (local.get $c20))))
            (if (i32.gt_u (local.get $rows) (i32.const 3)) (then (v128.store align=4 (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 3))) (local.get $c30))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $c4)))
        (block $c1Done
          (loop $c1
            (br_if $c1Done (i32.ge_u (local.get $j) (local.get $endN)))
            (local.set $y0 (f32.const 0))
            (local.set $y1 (f32.const 0))
            (local.set $y2 (f32.const 0))
            (local.set $y3 (f32.const 0))
            (local.set $kb (i32.const 0))
            (local.set $pb (i32.add (local.get $b) (local.get $j)))
            (block $kc1Done
              (loop $kc1
                (br_if $kc1Done (i32.ge_u (local.get $kb) (local.get $kEnd)))
                (local.set $x (f32.load (local.get $pb)))
                (local.set $y0 (f32.add (local.get $y0) (f32.mul (f32.load (i32.add (local.get $a0) (local.get $kb))) (local.get $x))))
                (local.set $y1 (f32.add (local.get $y1) (f32.mul (f32.load (i32.add (local.get $a1) (local.get $kb))) (local.get $x))))
                (local.set $y2 (f32.add (local.get $y2) (f32.mul (f32.load (i32.add (local.get $a2) (local.get $kb))) (local.get $x))))
                (local.set $y3 (f32.add (local.get $y3) (f32.mul (f32.load (i32.add (local.get $a3) (local.get $kb))) (local.get $x))))
                (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
                (local.set $pb (i32.add (local.get $pb) (local.get $strideB)))
                (br $kc1)))
            (local.set $o (i32.add (local.get $rowOut) (local.get $j)))
            (f32.store (local.get $o) (local.get $y0))
            (if (i32.gt_u (local.get $rows) (i32.const 1)) (then (f32.store (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 1))) (local.get $y1))))
            (if (i32.gt_u (local.get $rows) (i32.const 2)) (then (f32.store (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 2))) (local.get $y2))))
            (if (i32.gt_u (local.get $rows) (i32.const 3)) (then (f32.store (i32.add (local.get $o) (i32.mul (local.get $strideB) (i32.const 3))) (local.get $y3))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $c1)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $mLoop))))

  ;; Sums of a few rows of a matrix, by index lists (a product with a 0/1
  ;; matrix, without its zeros): for s in [0, nOut),
  ;;   out[s, :] = sum of src[idx[i], :] for i in [starts[s], starts[s + 1])
  ;; (zeros when the list is empty). Rows have F floats; starts (nOut + 1
  ;; values) and idx are int32 arrays. Sums in list order.
  (func (export "gatherRowSums")
    (param $src i32) (param $out i32) (param $F i32) (param $starts i32) (param $idx i32) (param $nOut i32)
    (local $s i32) (local $i i32) (local $iEnd i32) (local $o i32) (local $r i32) (local $j i32)
    (local $vecEnd i32) (local $end i32)
    (local.set $vecEnd (i32.shl (i32.and (local.get $F) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $F) (i32.const 2)))
    (block $sDone
      (loop $sLoop
        (br_if $sDone (i32.ge_u (local.get $s) (local.get $nOut)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $s) (local.get $end))))
        (memory.fill (local.get $o) (i32.const 0) (local.get $end))
        (local.set $i (i32.load (i32.add (local.get $starts) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $iEnd (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $s) (i32.const 2)))))
        (block $iDone
          (loop $iLoop
            (br_if $iDone (i32.ge_s (local.get $i) (local.get $iEnd)))
            (local.set $r
              (i32.add (local.get $src)
                (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (local.get $end))))
            (local.set $j (i32.const 0))
            (block $jDone
              (loop $jLoop
                (br_if $jDone (i32.ge_u (local.get $j) (local.get $vecEnd)))
                (v128.store align=4 (i32.add (local.get $o) (local.get $j))
                  (f32x4.add
                    (v128.load align=4 (i32.add (local.get $o) (local.get $j)))
                    (v128.load align=4 (i32.add (local.get $r) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $jLoop)))
            (block $tDone
              (loop $tLoop
                (br_if $tDone (i32.ge_u (local.get $j) (local.get $end)))
                (f32.store (i32.add (local.get $o) (local.get $j))
                  (f32.add
                    (f32.load (i32.add (local.get $o) (local.get $j)))
                    (f32.load (i32.add (local.get $r) (local.get $j)))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tLoop)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iLoop)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sLoop))))

  ;; A weighted Gram matrix in float64, for logistic regression's Hessian
  ;; (lib/eval/classifiers/logistic.ts; the module runs there on its own
  ;; memory, not the wasm backend's heap):
  ;;   out[a, c] = sum over i in [0, n), in order, of (s[i] * x[i, a]) * x[i, c]
  ;; for every c <= a (the lower triangle and the diagonal; in the 4 x 4 tiles
  ;; on the diagonal, the entries above it are computed too). x is row-major
  ;; with a row stride of kp float64 values, kp a multiple of 4; w (n x kp) is
  ;; scratch space for the products s[i] * x[i, a]; out is kp x kp; s has n
  ;; values. Tiles of 4 rows a by 4 columns c in 8 f64x2 accumulators; each
  ;; product and each sum is rounded as a scalar loop over i would round it
  ;; (no reassociation, no fused multiply-add).
  (func (export "weightedGram")
    (param $x i32) (param $s i32) (param $n i32) (param $kp i32) (param $w i32) (param $out i32)
    (local $stride i32) (local $a i32) (local $c i32) (local $row i32) (local $wrow i32) (local $end i32) (local $o i32) (local $j i32)
    (local $si v128) (local $x0 v128) (local $x1 v128)
    (local $h00 v128) (local $h01 v128) (local $h10 v128) (local $h11 v128)
    (local $h20 v128) (local $h21 v128) (local $h30 v128) (local $h31 v128)
    (local.set $stride (i32.shl (local.get $kp) (i32.const 3)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $n) (local.get $stride))))
    ;; w = s x, row by row, two lanes at a time.
    (local.set $row (local.get $x))
    (local.set $wrow (local.get $w))
    (local.set $o (local.get $s))
    (block $wDone
      (loop $wLoop
        (br_if $wDone (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $si (v128.load64_splat (local.get $o)))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $stride)))
            (v128.store align=8 (i32.add (local.get $wrow) (local.get $j))
              (f64x2.mul (local.get $si) (v128.load align=8 (i32.add (local.get $row) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $jLoop)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (local.set $wrow (i32.add (local.get $wrow) (local.get $stride)))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $wLoop)))
    (block $aDone
      (loop $aLoop
        (br_if $aDone (i32.ge_u (local.get $a) (local.get $stride)))
        (local.set $c (i32.const 0))
        (block $cDone
          (loop $cLoop
            (br_if $cDone (i32.gt_u (local.get $c) (local.get $a)))
            (local.set $h00 (v128.const f64x2 0 0)) (local.set $h01 (v128.const f64x2 0 0))
            (local.set $h10 (v128.const f64x2 0 0)) (local.set $h11 (v128.const f64x2 0 0))
            (local.set $h20 (v128.const f64x2 0 0)) (local.set $h21 (v128.const f64x2 0 0))
            (local.set $h30 (v128.const f64x2 0 0)) (local.set $h31 (v128.const f64x2 0 0))
            (local.set $row (i32.add (local.get $x) (local.get $c)))
            (local.set $wrow (i32.add (local.get $w) (local.get $a)))
            (block $iDone
              (loop $iLoop
                (br_if $iDone (i32.ge_u (local.get $row) (local.get $end)))
                (local.set $x0 (v128.load align=8 (local.get $row)))
                (local.set $x1 (v128.load offset=16 align=8 (local.get $row)))
                (local.set $si (v128.load64_splat (local.get $wrow)))
                (local.set $h00 (f64x2.add (local.get $h00) (f64x2.mul (local.get $si) (local.get $x0))))
                (local.set $h01 (f64x2.add (local.get $h01) (f64x2.mul (local.get $si) (local.get $x1))))
                (local.set $si (v128.load64_splat offset=8 (local.get $wrow)))
                (local.set $h10 (f64x2.add (local.get $h10) (f64x2.mul (local.get $si) (local.get $x0))))
                (local.set $h11 (f64x2.add (local.get $h11) (f64x2.mul (local.get $si) (local.get $x1))))
                (local.set $si (v128.load64_splat offset=16 (local.get $wrow)))
                (local.set $h20 (f64x2.add (local.get $h20) (f64x2.mul (local.get $si) (local.get $x0))))
                (local.set $h21 (f64x2.add (local.get $h21) (f64x2.mul (local.get $si) (local.get $x1))))
                (local.set $si (v128.load64_splat offset=24 (local.get $wrow)))
                (local.set $h30 (f64x2.add (local.get $h30) (f64x2.mul (local.get $si) (local.get $x0))))
                (local.set $h31 (f64x2.add (local.get $h31) (f64x2.mul (local.get $si) (local.get $x1))))
                (local.set $row (i32.add (local.get $row) (local.get $stride)))
                (local.set $wrow (i32.add (local.get $wrow) (local.get $stride)))
                (br $iLoop)))
            ;; out[a + t, c .. c + 3] for t = 0..3 (a and c are byte offsets within a row).
            (local.set $o (i32.add (i32.add (local.get $out) (i32.mul (i32.shr_u (local.get $a) (i32.const 3)) (local.get $stride))) (local.get $c)))
            (v128.store align=8 (local.get $o) (local.get $h00)) (v128.store offset=16 align=8 (local.get $o) (local.get $h01))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store align=8 (local.get $o) (local.get $h10)) (v128.store offset=16 align=8 (local.get $o) (local.get $h11))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store align=8 (local.get $o) (local.get $h20)) (v128.store offset=16 align=8 (local.get $o) (local.get $h21))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (v128.store align=8 (local.get $o) (local.get $h30)) (v128.store offset=16 align=8 (local.get $o) (local.get $h31))
            (local.set $c (i32.add (local.get $c) (i32.const 32)))
            (br $cLoop)))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (br $aLoop))))

  ;; Float64 sums over rows, in order, for logistic regression's gradient:
  ;;   out[a] = sum over i in [0, n), in order, of r[i] * x[i, a]
  ;; x row-major with kp float64 values a row, kp a multiple of 4; out has kp
  ;; values. Columns 8 (then 4) at a time, in f64x2 accumulators; each product
  ;; and sum rounded as a scalar loop over i would round it.
  (func (export "weightedColumnSums")
    (param $x i32) (param $r i32) (param $n i32) (param $kp i32) (param $out i32)
    (local $stride i32) (local $end i32) (local $j i32) (local $width i32) (local $row i32) (local $rp i32) (local $ri v128)
    (local $g0 v128) (local $g1 v128) (local $g2 v128) (local $g3 v128)
    (local.set $stride (i32.shl (local.get $kp) (i32.const 3)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $n) (local.get $stride))))
    (block $jDone
      (loop $jLoop
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $stride)))
        ;; 8 columns (64 bytes) where they remain, else the last 4.
        (local.set $width (select (i32.const 64) (i32.const 32) (i32.le_u (i32.add (local.get $j) (i32.const 64)) (local.get $stride))))
        (local.set $g0 (v128.const f64x2 0 0)) (local.set $g1 (v128.const f64x2 0 0))
        (local.set $g2 (v128.const f64x2 0 0)) (local.set $g3 (v128.const f64x2 0 0))
        (local.set $row (i32.add (local.get $x) (local.get $j)))
        (local.set $rp (local.get $r))
        (if (i32.eq (local.get $width) (i32.const 64))
          (then
            (block $iDone
              (loop $iLoop
                (br_if $iDone (i32.ge_u (local.get $row) (local.get $end)))
                (local.set $ri (v128.load64_splat (local.get $rp)))
                (local.set $g0 (f64x2.add (local.get $g0) (f64x2.mul (local.get $ri) (v128.load align=8 (local.get $row)))))
                (local.set $g1 (f64x2.add (local.get $g1) (f64x2.mul (local.get $ri) (v128.load offset=16 align=8 (local.get $row)))))
                (local.set $g2 (f64x2.add (local.get $g2) (f64x2.mul (local.get $ri) (v128.load offset=32 align=8 (local.get $row)))))
                (local.set $g3 (f64x2.add (local.get $g3) (f64x2.mul (local.get $ri) (v128.load offset=48 align=8 (local.get $row)))))
                (local.set $row (i32.add (local.get $row) (local.get $stride)))
                (local.set $rp (i32.add (local.get $rp) (i32.const 8)))
                (br $iLoop)))
            (v128.store offset=32 align=8 (i32.add (local.get $out) (local.get $j)) (local.get $g2))
            (v128.store offset=48 align=8 (i32.add (local.get $out) (local.get $j)) (local.get $g3)))
          (else
            (block $i4Done
              (loop $i4Loop
                (br_if $i4Done (i32.ge_u (local.get $row) (local.get $end)))
                (local.set $ri (v128.load64_splat (local.get $rp)))
                (local.set $g0 (f64x2.add (local.get $g0) (f64x2.mul (local.get $ri) (v128.load align=8 (local.get $row)))))
                (local.set $g1 (f64x2.add (local.get $g1) (f64x2.mul (local.get $ri) (v128.load offset=16 align=8 (local.get $row)))))
                (local.set $row (i32.add (local.get $row) (local.get $stride)))
                (local.set $rp (i32.add (local.get $rp) (i32.const 8)))
                (br $i4Loop)))))
        (v128.store align=8 (i32.add (local.get $out) (local.get $j)) (local.get $g0))
        (v128.store offset=16 align=8 (i32.add (local.get $out) (local.get $j)) (local.get $g1))
        (local.set $j (i32.add (local.get $j) (local.get $width)))
        (br $jLoop))))

  ;; For kNN's pruned search (lib/eval/classifiers/knn.ts), float64: the
  ;; squared distance over 12 principal coordinates from a query to each row
  ;; in [first, end) of a table with 12 values a row,
  ;;   b = sum over c of (head[r, c] - q[c])^2
  ;; (summed in pairs of coordinates, then the two lanes: a lower bound's
  ;; rounding, not a brute force's), keeping the rows with b not above threshold
  ;; (a NaN from overflowing coordinates is kept: it bounds nothing):
  ;; their row numbers go to outRow (int32) and their b to outBound, in row
  ;; order. Returns how many were kept.
  (func (export "headBoundsBelow")
    (param $head i32) (param $q i32) (param $first i32) (param $end i32) (param $threshold f64)
    (param $outRow i32) (param $outBound i32) (result i32)
    (local $r i32) (local $p i32) (local $count i32) (local $b f64) (local $acc v128) (local $d v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128) (local $q4 v128) (local $q5 v128)
    (local.set $q0 (v128.load align=8 (local.get $q)))
    (local.set $q1 (v128.load offset=16 align=8 (local.get $q)))
    (local.set $q2 (v128.load offset=32 align=8 (local.get $q)))
    (local.set $q3 (v128.load offset=48 align=8 (local.get $q)))
    (local.set $q4 (v128.load offset=64 align=8 (local.get $q)))
    (local.set $q5 (v128.load offset=80 align=8 (local.get $q)))
    (local.set $r (local.get $first))
    (local.set $p (i32.add (local.get $head) (i32.mul (local.get $first) (i32.const 96))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $r) (local.get $end)))
        (local.set $d (f64x2.sub (v128.load align=8 (local.get $p)) (local.get $q0)))
        (local.set $acc (f64x2.mul (local.get $d) (local.get $d)))
        (local.set $d (f64x2.sub (v128.load offset=16 align=8 (local.get $p)) (local.get $q1)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (v128.load offset=32 align=8 (local.get $p)) (local.get $q2)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (v128.load offset=48 align=8 (local.get $p)) (local.get $q3)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (v128.load offset=64 align=8 (local.get $p)) (local.get $q4)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (v128.load offset=80 align=8 (local.get $p)) (local.get $q5)))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $b (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        ;; Branch-free: always write at count, advance count when kept.
        (i32.store (i32.add (local.get $outRow) (i32.shl (local.get $count) (i32.const 2))) (local.get $r))
        (f64.store (i32.add (local.get $outBound) (i32.shl (local.get $count) (i32.const 3))) (local.get $b))
        (local.set $count (i32.add (local.get $count) (i32.eqz (f64.gt (local.get $b) (local.get $threshold)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 96)))
        (br $rows)))
    (local.get $count))
)
