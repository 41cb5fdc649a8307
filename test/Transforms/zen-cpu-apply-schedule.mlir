// RUN: zen-opt %s -convert-zen-to-linalg -canonicalize -cse \
// RUN:   -zen-cpu-plan-kernels=vector-width=8 -zen-cpu-apply-schedule \
// RUN:   -canonicalize -cse | FileCheck %s
// RUN: zen-opt %s -convert-zen-to-linalg -canonicalize -cse \
// RUN:   -zen-cpu-plan-kernels=vector-width=8 \
// RUN:   -zen-cpu-apply-schedule=dump-schedule -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SCHED

// Every planned op is vectorized and no plan is left behind.
// CHECK-NOT: linalg.generic
// CHECK-NOT: zen.cpu_schedule

// The packed GEMM. W -> panels: 8 rows of K by 16 columns per step, a
// transpose. The product: panels split across tasks (scf.forall, 2 tasks of
// 4 panels), a 6x16 register tile whose accumulators are loop-carried
// vectors across K (6 rows x 2 ymm), one outer product (6 FMAs of 16 lanes)
// per k; the last 4 rows (130 = 21 x 6 + 4) one at a time.
// CHECK-LABEL: func.func @packed
// CHECK:       scf.forall (%{{.*}}) in (2)
// CHECK:         vector.transfer_read {{.*}} : tensor<8x16x64xf32>, vector<16x8xf32>
// CHECK:         vector.shuffle
// CHECK:       scf.forall (%{{.*}}) in (2)
// CHECK:         scf.for %{{.*}} = %c0 to %c126 step %c6
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<6x1x16xf32>)
// CHECK-COUNT-6:     vector.fma {{.*}} : vector<16xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK:             vector.fma {{.*}} : vector<16xf32>
// CHECK:       tensor.collapse_shape {{.*}} : tensor<130x8x16xf32> into tensor<130x128xf32>
func.func @packed(%x: tensor<130x64xf32>, %w: tensor<128x64xf32>) -> tensor<130x128xf32> {
  %y = zen.linear %x, %w : tensor<130x64xf32>, tensor<128x64xf32>
  return %y : tensor<130x128xf32>
}

// The dot kernel: columns split across tasks (2 of 64), 3x4 tiles of
// 8-lane partial sums across K (contractible multiply-adds), reduced once;
// the last 2 rows (5 = 3 + 2) as 1x4 tiles.
// CHECK-LABEL: func.func @dot
// CHECK:       scf.forall (%{{.*}}) in (2)
// CHECK:         scf.for %{{.*}} = %c0 to %c64 step %c4
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c8 iter_args(%{{.*}} = %{{.*}}) -> (vector<3x4x8xf32>)
// CHECK:             arith.mulf {{.*}} fastmath<contract> : vector<3x4x8xf32>
// CHECK:             arith.addf {{.*}} fastmath<contract> : vector<3x4x8xf32>
// CHECK-COUNT-12:  vector.reduction <add>, {{.*}} : vector<8xf32> into f32
// CHECK:           scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK:             scf.for %{{.*}} = %c0 to %c64 step %c8 iter_args(%{{.*}} = %{{.*}}) -> (vector<4x8xf32>)
func.func @dot(%x: tensor<5x64xf32>, %w: tensor<128x64xf32>) -> tensor<5x128xf32> {
  %y = zen.linear %x, %w : tensor<5x64xf32>, tensor<128x64xf32>
  return %y : tensor<5x128xf32>
}

// bf16 weights read as pairs (K = 64, a multiple of 16): per step one load
// of 16 bf16 per column seen as 8 i32 lanes, the two halves widened by a
// shift and a mask, 2x8-lane partial sums per column, no per-element
// widening of the weights left in the loop.
// CHECK-LABEL: func.func @dot_bf16_pairs
// CHECK:       scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<4x1x2x8xf32>)
// CHECK-NOT:     arith.extf
// CHECK:         vector.transfer_read {{.*}} : tensor<4x1x16xbf16>, vector<4x1x16xbf16>
// CHECK:         vector.bitcast {{.*}} : vector<4x16xbf16> to vector<4x8xi32>
// CHECK-DAG:     arith.shli {{.*}} : vector<4x8xi32>
// CHECK-DAG:     arith.andi {{.*}} : vector<4x8xi32>
// CHECK:         vector.shuffle
// CHECK:         arith.mulf {{.*}} fastmath<contract> : vector<4x1x2x8xf32>
// CHECK:       vector.reduction <add>
func.func @dot_bf16_pairs(%x: tensor<1x64xbf16>, %w: tensor<32x64xbf16>) -> tensor<1x32xbf16> {
  %y = zen.linear %x, %w : tensor<1x64xbf16>, tensor<32x64xbf16>
  return %y : tensor<1x32xbf16>
}

// rms_norm: the sum of squares as 8-lane partial sums, reduced once per
// row; the scaling 32 lanes at a time.
// CHECK-LABEL: func.func @norm
// CHECK:       scf.for %{{.*}} = %c0 to %c64 step %c8 iter_args(%{{.*}} = %{{.*}}) -> (vector<8xf32>)
// CHECK:         arith.mulf {{.*}} : vector<8xf32>
// CHECK:       vector.reduction <add>
// CHECK:       scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK:         math.rsqrt {{.*}} : vector<32xf32>
func.func @norm(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<64xf32>
  return %y : tensor<?x?x64xf32>
}

// The transform module: one named sequence per distinct plan, producers
// (elementwise, reduction, pack) before the kernels that read them; then
// vectorization, cleanup with accumulator hoisting, and vector lowering as
// three entry points (the bf16 pair widening runs between the first two).
// SCHED:       module attributes {transform.with_named_sequence}
// SCHED:       transform.named_sequence @plan0
// SCHED:         transform.structured.tile_using_for %op tile_sizes [1, 32]
// SCHED:       transform.named_sequence @plan3
// SCHED:         transform.structured.tile_reduction_using_for %t by tile_sizes = [0, 0, 8]
// SCHED:       transform.named_sequence @plan4
// SCHED:         transform.structured.tile_using_forall %op tile_sizes [4, 0, 0]
// SCHED:         transform.structured.tile_using_for %t1 tile_sizes [1, 8, 0]
// SCHED:       transform.named_sequence @plan5
// SCHED:         transform.structured.fuse_into_containing_op %fill into %forall
// SCHED:         tile_sizes [6, 1, 0, 0] interchange = [1, 0, 2, 3]
// SCHED:         transform.loop.peel %mloop
// SCHED:       transform.named_sequence @plan6
// SCHED:         tile_sizes [3, 4, 0] interchange = [1, 0, 2]
// SCHED:         transform.structured.tile_reduction_using_for %gm by tile_sizes = [0, 0, 8]
// SCHED:       transform.named_sequence @plan7
// SCHED:         tile_sizes [1, 4, 0, 0, 0] interchange = [1, 0, 2, 3, 4]
// SCHED-NOT:     transform.loop.peel
// SCHED:         transform.structured.tile_reduction_using_for %t2 by tile_sizes = [0, 0, 1, 2, 8]
// SCHED:       transform.named_sequence @__transform_main
// SCHED:         transform.foreach
// SCHED:           transform.sequence %op : !transform.any_op failures(suppress)
// SCHED:         transform.apply_patterns.vector.transfer_permutation_patterns
// SCHED:       transform.named_sequence @zen_vector_cleanup
// SCHED:         transform.loop.hoist_loop_invariant_subsets %kloops
// SCHED:       transform.named_sequence @zen_lower_vectors
// SCHED:         transform.apply_patterns.vector.lower_contraction lowering_strategy = "parallelarith"
// SCHED:         transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
