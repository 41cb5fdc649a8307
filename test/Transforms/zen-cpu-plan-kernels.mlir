// RUN: zen-opt %s -split-input-file -convert-zen-to-linalg -canonicalize -cse \
// RUN:   -zen-cpu-plan-kernels=vector-width=8 -cse | FileCheck %s
// RUN: zen-opt %s -split-input-file -convert-zen-to-linalg -canonicalize -cse \
// RUN:   -zen-cpu-plan-kernels="vector-width=16 packed-min-rows=32 parallel" -cse \
// RUN:   | FileCheck %s --check-prefix=W16

// Dynamic rows: a run-time choice on M = the product of the leading dims.
// Below packed-min-rows, the dot kernel (the contraction itself, with
// contractible multiply-adds); above, W is packed into [N/16][K][16] f32
// panels and the GEMM writes [..., N/16, 16], collapsed back to [..., N].
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x1024xf32>, %[[W:.*]]: tensor<2048x1024xf32>)
// CHECK-DAG:   %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG:   %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK:       %[[M:.*]] = arith.muli %[[D0]], %[[D1]] : index
// CHECK:       %[[SMALL:.*]] = arith.cmpi ult, %[[M]], %c48 : index
// CHECK:       scf.if %[[SMALL]] -> (tensor<?x?x2048xf32>)
// CHECK:         linalg.fill
// CHECK:         %[[DOT:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[X]], %[[W]] : tensor<?x?x1024xf32>, tensor<2048x1024xf32>)
// CHECK-SAME:      zen.cpu_schedule = {chunk = 64 : i64, kind = "dot", kv = 8 : i64, leading = 2 : i64, mr = 3 : i64, nr = 4 : i64}
// CHECK:           arith.mulf {{.*}} fastmath<contract> : f32
// CHECK:           arith.addf {{.*}} fastmath<contract> : f32
// CHECK:         scf.yield %[[DOT]]
// CHECK:       } else {
// CHECK:         %[[WE:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0, 1], [2]] output_shape [128, 16, 1024]
// CHECK:         %[[PANELS:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[WE]] : tensor<128x16x1024xf32>) outs({{.*}} : tensor<128x1024x16xf32>)
// CHECK-SAME:      zen.cpu_schedule = {chunk = 4 : i64, kind = "pack", kt = 8 : i64}
// CHECK:         %[[FILL:.*]] = linalg.fill {{.*}} -> tensor<?x?x128x16xf32>
// CHECK:         %[[GEMM:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
// CHECK-SAME:      ins(%[[X]], %[[PANELS]] : tensor<?x?x1024xf32>, tensor<128x1024x16xf32>) outs(%[[FILL]] : tensor<?x?x128x16xf32>)
// CHECK-SAME:      zen.cpu_schedule = {chunk = 4 : i64, kind = "packed", leading = 2 : i64, mr = 6 : i64, nr = 16 : i64}
// CHECK:         %[[Y:.*]] = tensor.collapse_shape %[[GEMM]] {{\[\[}}0], [1], [2, 3]] : tensor<?x?x128x16xf32> into tensor<?x?x2048xf32>
// CHECK:         scf.yield %[[Y]]
// W16-LABEL: func.func @prefill
// W16:         arith.cmpi ult, %{{.*}}, %c32
// W16:         kind = "dot", kv = 16 : i64, leading = 2 : i64, mr = 4 : i64, nr = 4 : i64
// W16:         kind = "packed", leading = 2 : i64, mr = 16 : i64, nr = 16 : i64
func.func @prefill(%x: tensor<?x?x1024xf32>, %w: tensor<2048x1024xf32>) -> tensor<?x?x2048xf32> {
  %y = zen.linear %x, %w : tensor<?x?x1024xf32>, tensor<2048x1024xf32>
  return %y : tensor<?x?x2048xf32>
}

// -----

// Static decode rows: only the dot kernel. bf16 activations are converted
// to f32 once (an elementwise plan). bf16 weights with K a multiple of 16
// are read as pairs: w [40, 1024] seen as [40, 64, 8, 2], the activations
// rearranged to match, x'[b][kk][j] = x[16b + 2j + kk], so that one i32 lane
// holds two weights (widened in registers by zen-cpu-apply-schedule), one row
// per register tile. N = 40 is no multiple of 16, so no packed kernel
// whatever M; the register tile takes 4 of its columns.
// CHECK-LABEL: func.func @decode_bf16
// CHECK-NOT:   scf.if
// CHECK:       %[[XF:.*]] = linalg.generic
// CHECK-SAME:    ins(%{{.*}} : tensor<1x1024xbf16>) outs(%{{.*}} : tensor<1x1024xf32>)
// CHECK-SAME:    zen.cpu_schedule = {kind = "elementwise", loops = 2 : i64, step = 32 : i64}
// CHECK:         arith.extf
// CHECK:       %[[XE:.*]] = tensor.expand_shape %[[XF]] {{\[\[}}0], [1, 2, 3]] output_shape [1, 64, 8, 2]
// CHECK:       %[[XP:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[XE]] : tensor<1x64x8x2xf32>) outs(%{{.*}} : tensor<1x64x2x8xf32>)
// CHECK-SAME:    zen.cpu_schedule = {kind = "elementwise", loops = 4 : i64, step = 8 : i64}
// CHECK:       %[[WE:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] output_shape [40, 64, 8, 2] : tensor<40x1024xbf16>
// CHECK:       linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK-SAME:    ins(%[[XP]], %[[WE]] : tensor<1x64x2x8xf32>, tensor<40x64x8x2xbf16>)
// CHECK-SAME:    zen.cpu_schedule = {chunk = 8 : i64, kind = "dot", kv = 8 : i64, leading = 1 : i64, mr = 1 : i64, nr = 4 : i64, pairs = 1 : i64}
// CHECK:         arith.extf
// CHECK:       arith.truncf
// CHECK-NOT:   kind = "packed"
func.func @decode_bf16(%x: tensor<1x1024xbf16>, %w: tensor<40x1024xbf16>) -> tensor<1x40xbf16> {
  %y = zen.linear %x, %w : tensor<1x1024xbf16>, tensor<40x1024xbf16>
  return %y : tensor<1x40xbf16>
}

// -----

// bf16 weights with K = 40 (no multiple of 16): widened element by element
// in the loop, with fewer rows per register tile (each widened vector takes
// a register).
// CHECK-LABEL: func.func @decode_bf16_odd_k
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x40xf32>, tensor<32x40xbf16>)
// CHECK-SAME:    zen.cpu_schedule = {chunk = 32 : i64, kind = "dot", kv = 8 : i64, leading = 1 : i64, mr = 2 : i64, nr = 4 : i64}
func.func @decode_bf16_odd_k(%x: tensor<3x40xbf16>, %w: tensor<32x40xbf16>) -> tensor<3x32xbf16> {
  %y = zen.linear %x, %w : tensor<3x40xbf16>, tensor<32x40xbf16>
  return %y : tensor<3x32xbf16>
}

// -----

// Static prefill rows: only the packed kernel. K = 20 takes 4-lane steps
// in the dot kernel and 4-row steps when packing.
// CHECK-LABEL: func.func @prefill_static
// CHECK-NOT:   scf.if
// CHECK:       kind = "pack", kt = 4 : i64
// CHECK:       kind = "packed", leading = 1 : i64, mr = 6 : i64, nr = 16 : i64
// CHECK-NOT:   kind = "dot"
func.func @prefill_static(%x: tensor<512x20xf32>, %w: tensor<64x20xf32>) -> tensor<512x64xf32> {
  %y = zen.linear %x, %w : tensor<512x20xf32>, tensor<64x20xf32>
  return %y : tensor<512x64xf32>
}

// -----

// Other ops: innermost loop static -> outer loops by 1, the innermost by a
// vector-sized step; single innermost reductions -> partial-sum plans. The
// fill of the reduction's dynamic [?, ?] accumulator keeps scalar loops.
// CHECK-LABEL: func.func @norm
// CHECK:       linalg.fill
// CHECK-NOT:   zen.cpu_schedule
// CHECK-SAME:  -> tensor<?x?xf32>
// CHECK:       zen.cpu_schedule = {kind = "reduction", loops = 3 : i64, step = 8 : i64}
// CHECK:       zen.cpu_schedule = {kind = "elementwise", loops = 3 : i64, step = 32 : i64}
// W16:         module attributes {zen.cpu_parallel}
// W16-LABEL:   func.func @norm
// W16:         kind = "reduction", loops = 3 : i64, step = 16 : i64}
// W16:         kind = "elementwise", loops = 3 : i64, step = 64 : i64}
func.func @norm(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// With `parallel`, ops with two or more dynamic loops (tokens x tokens)
// also run their first static parallel loop outside every reduction, here
// the KV head (loop 1 of q·kᵀ, loop 2 of p·v), as tasks: `task_loop`.
// Without it they run in order. The norm above (one static loop, the
// innermost) has no task loop.
// CHECK-LABEL: func.func @attention
// CHECK-NOT:   task_loop
// CHECK:       return
// W16-LABEL:   func.func @attention
// W16:         kind = "reduction", loops = 6 : i64, step = 16 : i64, task_loop = 1 : i64}
// W16:         kind = "elementwise", loops = 6 : i64, step = 16 : i64, task_loop = 2 : i64}
func.func @attention(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x2x16xf32>) -> tensor<?x?x4x16xf32> {
  %o = zen.attention %q, %k, %v {causal} : tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
  return %o : tensor<?x?x4x16xf32>
}

// -----

// Not a contraction of x by W^T (W is [K, N] here): no kernel; its innermost
// loop is a reduction over a static dim, so a reduction plan.
// CHECK-LABEL: func.func @not_transposed
// CHECK-NOT:   kind = "dot"
// CHECK-NOT:   kind = "packed"
// CHECK:       kind = "reduction"
#mx = affine_map<(m, n, k) -> (m, k)>
#mw = affine_map<(m, n, k) -> (k, n)>
#my = affine_map<(m, n, k) -> (m, n)>
func.func @not_transposed(%x: tensor<?x32xf32>, %w: tensor<32x16xf32>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %y = linalg.generic {indexing_maps = [#mx, #mw, #my], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x32xf32>, tensor<32x16xf32>) outs(%init : tensor<?x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// other-ops=false: contractions only; everything else keeps scalar loops.
// RUN: zen-opt %s -split-input-file -convert-zen-to-linalg -canonicalize -cse \
// RUN:   -zen-cpu-plan-kernels="vector-width=8 other-ops=false" -cse \
// RUN:   | FileCheck %s --check-prefix=NOOTHER
// NOOTHER-LABEL: func.func @norm_only
// NOOTHER-NOT:   zen.cpu_schedule
// NOOTHER:       return
func.func @norm_only(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<64xf32>
  return %y : tensor<?x?x64xf32>
}
