// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.grpo_loss_grad

// d loss / d logp of GRPO (train §5): Σ_t M per sequence, then one
// elementwise generic g · w_i · M · (−Aρ [unclipped] + β (1 − e^{ref−logp}))
// with w_i = 1 / (max(1, L_i) N) for loss_type grpo.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[SEQ:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @grpo_grad
// CHECK-SAME:    %[[G:[^:]+]]: tensor<f32>, %[[LOGP:[^:]+]]: tensor<?x?xf32>, %[[OLD:[^:]+]]: tensor<?x?xf32>, %[[ADV:[^:]+]]: tensor<?xf32>, %[[MASK:[^:]+]]: tensor<?x?xf32>, %[[REF:[^:]+]]: tensor<?x?xf32>
// CHECK:         %[[GS:.+]] = tensor.extract %[[G]][] : tensor<f32>
// CHECK:         %[[LEN:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[MASK]] : tensor<?x?xf32>)
// CHECK:         %[[D:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ID]], #[[SEQ]], #[[ID]], #[[SEQ]], #[[ID]], #[[ID]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%[[LOGP]], %[[OLD]], %[[ADV]], %[[MASK]], %[[LEN]], %[[REF]] :
// CHECK:           math.exp
// CHECK:           math.expm1
// CHECK:           arith.divf %[[GS]], %{{.+}} : f32
// CHECK:         return %[[D]] : tensor<?x?xf32>
func.func @grpo_grad(%g: tensor<f32>, %lp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %a: tensor<?xf32>, %m: tensor<?x?xf32>, %ref: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %d = zen.grpo_loss_grad %g, %lp, %old, %a, %m ref(%ref) {beta = 0.04 : f64}
      : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
  return %d : tensor<?x?xf32>
}

// -----

// bnpo: one uniform weight g / max(1, Σ M) from a scalar reduction of the
// per-sequence lengths.
// CHECK-LABEL: func.func @bnpo_grad
// CHECK:         %[[LEN:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:         %[[TOTAL:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK-SAME:      ins(%[[LEN]] : tensor<4xf32>) outs(%{{.+}} : tensor<f32>)
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-NOT:       math.expm1
func.func @bnpo_grad(%g: tensor<f32>, %lp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %a: tensor<4xf32>, %m: tensor<4x6xi64>) -> tensor<4x6xf32> {
  %d = zen.grpo_loss_grad %g, %lp, %old, %a, %m {loss_type = #zen.grpo_loss_type<bnpo>}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi64>
  return %d : tensor<4x6xf32>
}
