// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gspo_loss

// GSPO (train §4): one reduction over T gives L_i = Σ mask and the masked
// log-ratio sum per sequence; one reduction over the N sequences gives the
// sums of the per-sequence loss (0 for an all-masked row), of s_i and of the
// clipped indicator; each is divided by N into a 0-d result.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[SEQ:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[ALL:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG:   #[[SCALAR:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @gspo_paper
// CHECK-SAME:    %[[LOGP:[^:]+]]: tensor<?x?xf32>, %[[OLD:[^:]+]]: tensor<?x?xf32>, %[[ADV:[^:]+]]: tensor<?xf32>, %[[MASK:[^:]+]]: tensor<?x?xi1>
// CHECK:         %[[ROWS:.+]]:2 = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ID]], #[[ID]], #[[SEQ]], #[[SEQ]]]
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[LOGP]], %[[OLD]], %[[MASK]] : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xi1>)
// CHECK:           arith.uitofp %{{.+}} : i1 to f32
// CHECK:         %[[SUMS:.+]]:3 = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ALL]], #[[ALL]], #[[ALL]], #[[SCALAR]], #[[SCALAR]], #[[SCALAR]]]
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK-SAME:      ins(%[[ROWS]]#0, %[[ROWS]]#1, %[[ADV]] : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) outs(%{{.+}}, %{{.+}}, %{{.+}} : tensor<f32>, tensor<f32>, tensor<f32>)
// CHECK:           %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:           %[[LEN:.+]] = arith.maximumf %{{.+}}, %[[ONE]] : f32
// CHECK:           %[[S:.+]] = math.exp
// CHECK:           %[[LO:.+]] = arith.constant 9.997000e-01 : f32
// CHECK:           arith.maximumf %[[S]], %[[LO]] : f32
// CHECK:           %[[HI:.+]] = arith.constant 1.000400e+00 : f32
// CHECK:           arith.minimumf %{{.+}}, %[[HI]] : f32
// CHECK:         %[[N:.+]] = arith.sitofp %{{.+}} : i64 to f32
// CHECK:         %[[LSUM:.+]] = tensor.extract %[[SUMS]]#0[] : tensor<f32>
// CHECK:         %[[LOSS:.+]] = arith.divf %[[LSUM]], %[[N]] : f32
// CHECK:         %[[L:.+]] = tensor.from_elements %[[LOSS]] : tensor<f32>
// CHECK:         tensor.extract %[[SUMS]]#1[] : tensor<f32>
// CHECK:         tensor.extract %[[SUMS]]#2[] : tensor<f32>
// CHECK:         return %[[L]], %{{.+}}, %{{.+}} : tensor<f32>, tensor<f32>, tensor<f32>
func.func @gspo_paper(%lp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %a: tensor<?xf32>, %m: tensor<?x?xi1>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %l, %r, %c = zen.gspo_loss %lp, %old, %a, %m : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xi1>
  return %l, %r, %c : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// GSPO-token lowers to the same computation (its value equals GSPO's); an
// i64 mask is converted with sitofp.
// CHECK-LABEL: func.func @gspo_token
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:           arith.sitofp %{{.+}} : i64 to f32
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK:           arith.constant 8.000000e-01 : f32
// CHECK:           arith.constant 1.200000e+00 : f32
func.func @gspo_token(%lp: tensor<4x6xf32>, %a: tensor<4xf32>, %m: tensor<4x6xi64>) -> tensor<f32> {
  %l, %r, %c = zen.gspo_loss %lp, %lp, %a, %m {eps_low = 0.2 : f64, eps_high = 0.2 : f64, level = #zen.gspo_level<token>}
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi64>
  return %l : tensor<f32>
}
