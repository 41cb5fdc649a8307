// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.group_advantages

// Group-relative advantages (train §3) over a dynamic number of rewards: a
// generic over (i, j < G) reads rewards[(i floordiv G)·G + j] (a [G] tensor
// gives j its range) and reduces the group's sum, max and min; a second one
// the squared deviations; an elementwise generic divides by the unbiased std
// + eps and selects 0 where max == min (a constant group: no NaN).

// CHECK-DAG:   #[[MEMBER:.+]] = affine_map<(d0, d1) -> ((d0 floordiv 8) * 8 + d1)>
// CHECK-DAG:   #[[LANE:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG:   #[[OWN:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @group
// CHECK-SAME:    %[[R:.+]]: tensor<?xf32>
// CHECK:         %[[STATS:.+]]:3 = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[MEMBER]], #[[LANE]], #[[OWN]], #[[OWN]], #[[OWN]]]
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[R]], %{{.+}} : tensor<?xf32>, tensor<8xf32>)
// CHECK:           arith.addf
// CHECK:           arith.maximumf
// CHECK:           arith.minimumf
// CHECK:         %[[SQ:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[MEMBER]], #[[LANE]], #[[OWN]], #[[OWN]]]
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:         %[[A:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[R]], %[[STATS]]#0, %[[SQ]], %[[STATS]]#1, %[[STATS]]#2 :
// CHECK:           %[[GM1:.+]] = arith.constant 7.000000e+00 : f32
// CHECK:           %[[VAR:.+]] = arith.divf %{{.+}}, %[[GM1]] : f32
// CHECK:           %[[STD:.+]] = math.sqrt %[[VAR]] : f32
// CHECK:           %[[EPS:.+]] = arith.constant 9.99999974E-5 : f32
// CHECK:           arith.addf %[[STD]], %[[EPS]] : f32
// CHECK:           %[[CONST:.+]] = arith.cmpf oeq
// CHECK:           arith.select %[[CONST]]
// CHECK:         return %[[A]] : tensor<?xf32>
func.func @group(%r: tensor<?xf32>) -> tensor<?xf32> {
  %a = zen.group_advantages %r {group_size = 8 : i64} : tensor<?xf32>
  return %a : tensor<?xf32>
}

// -----

// Batch scaling: the std of all N rewards from two scalar reductions (no
// per-group squared deviations); the mean is still the group's.
// CHECK-LABEL: func.func @batch
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-NOT:     iterator_types = ["parallel", "reduction"]
// CHECK:         %[[SUM:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK-SAME:      outs(%{{.+}} : tensor<f32>)
// CHECK:         %[[DEV:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK:         math.sqrt
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel"]
func.func @batch(%r: tensor<32xf32>) -> tensor<32xf32> {
  %a = zen.group_advantages %r {group_size = 8 : i64, scaling = #zen.reward_scaling<batch>} : tensor<32xf32>
  return %a : tensor<32xf32>
}

// -----

// No scaling: the deviation from the group mean, no sqrt.
// CHECK-LABEL: func.func @none
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel"]
// CHECK-NOT:       math.sqrt
// CHECK:           arith.select
func.func @none(%r: tensor<?xf32>) -> tensor<?xf32> {
  %a = zen.group_advantages %r {group_size = 4 : i64, scaling = #zen.reward_scaling<none>} : tensor<?xf32>
  return %a : tensor<?xf32>
}
