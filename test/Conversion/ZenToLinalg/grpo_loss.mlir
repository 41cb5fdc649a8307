// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.grpo_loss

// GRPO (train §5): one reduction over T per sequence of Σ Mℓ, Σ M, Σ Mρ and
// Σ M·clipped, with ℓ = −min(ρA, clip(ρ)A) + β (expm1(ref − logp) − (ref −
// logp)) (the k3 KL without cancellation); one reduction over sequences to
// five scalars; the loss_type's normalisation in scalar arith.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[SEQ:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[SCALAR:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @dr_grpo_kl
// CHECK-SAME:    %[[LOGP:[^:]+]]: tensor<?x?xf32>, %[[OLD:[^:]+]]: tensor<?x?xf32>, %[[ADV:[^:]+]]: tensor<?xf32>, %[[MASK:[^:]+]]: tensor<?x?xf32>, %[[REF:[^:]+]]: tensor<?x?xf32>
// CHECK:         %[[ROWS:.+]]:4 = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ID]], #[[SEQ]], #[[ID]], #[[ID]], #[[SEQ]], #[[SEQ]], #[[SEQ]], #[[SEQ]]]
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[LOGP]], %[[OLD]], %[[ADV]], %[[MASK]], %[[REF]] :
// CHECK:           %[[RHO:.+]] = math.exp
// CHECK:           %[[D:.+]] = arith.subf %{{.+}}, %{{.+}} : f32
// CHECK:           %[[EM1:.+]] = math.expm1 %[[D]] : f32
// CHECK:           %[[BETA:.+]] = arith.constant 4.000000e-02 : f32
// CHECK:           %[[KL:.+]] = arith.subf %[[EM1]], %[[D]] : f32
// CHECK:           arith.mulf %[[BETA]], %[[KL]] : f32
// CHECK:         %[[SUMS:.+]]:5 = linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK-SAME:      ins(%[[ROWS]]#0, %[[ROWS]]#1, %[[ROWS]]#2, %[[ROWS]]#3 :
// CHECK:         %[[TOTAL:.+]] = tensor.extract %[[SUMS]]#1[] : tensor<f32>
// dr_grpo: Σ Mℓ / (N · T) with T the padded completion length (dim 1).
// CHECK:         %[[T:.+]] = tensor.dim %[[LOGP]], %{{.+}} : tensor<?x?xf32>
// CHECK:         %[[NT:.+]] = arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK:         %[[LOSS:.+]] = arith.divf %[[TOTAL]], %[[NT]] : f32
// CHECK:         %[[L:.+]] = tensor.from_elements %[[LOSS]] : tensor<f32>
// CHECK:         return %[[L]], %{{.+}}, %{{.+}} : tensor<f32>, tensor<f32>, tensor<f32>
func.func @dr_grpo_kl(%lp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %a: tensor<?xf32>, %m: tensor<?x?xf32>, %ref: tensor<?x?xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %l, %r, %c = zen.grpo_loss %lp, %old, %a, %m ref(%ref) {beta = 0.04 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>}
      : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
  return %l, %r, %c : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// grpo: the mean over sequences of Σ_t Mℓ / max(1, Σ_t M); beta = 0 ignores
// the KL (and the reference log-probs), no expm1.
// CHECK-LABEL: func.func @grpo_default
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-NOT:       math.expm1
// CHECK:         %[[SUMS:.+]]:5 = linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK:           arith.maximumf
// CHECK:           arith.divf
// CHECK:         %[[PERROW:.+]] = tensor.extract %[[SUMS]]#0[] : tensor<f32>
// CHECK:         %[[N:.+]] = arith.sitofp
// CHECK:         arith.divf %[[PERROW]], %[[N]] : f32
func.func @grpo_default(%lp: tensor<8x16xf32>, %old: tensor<8x16xf32>, %a: tensor<8xf32>, %m: tensor<8x16xi1>) -> tensor<f32> {
  %l, %r, %c = zen.grpo_loss %lp, %old, %a, %m : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8x16xi1>
  return %l : tensor<f32>
}

// -----

// bnpo and dapo: Σ Mℓ / max(1, Σ M).
// CHECK-LABEL: func.func @bnpo
// CHECK:         %[[SUMS:.+]]:5 = linalg.generic
// CHECK:         %[[TOTAL:.+]] = tensor.extract %[[SUMS]]#1[] : tensor<f32>
// CHECK:         %[[COUNT:.+]] = tensor.extract %[[SUMS]]#2[] : tensor<f32>
// CHECK:         %[[ACTIVE:.+]] = arith.maximumf %[[COUNT]], %{{.+}} : f32
// CHECK:         arith.divf %[[TOTAL]], %[[ACTIVE]] : f32
func.func @bnpo(%lp: tensor<8x16xf32>, %old: tensor<8x16xf32>, %a: tensor<8xf32>, %m: tensor<8x16xi1>) -> tensor<f32> {
  %l, %r, %c = zen.grpo_loss %lp, %old, %a, %m {loss_type = #zen.grpo_loss_type<dapo>} : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8x16xi1>
  return %l : tensor<f32>
}
