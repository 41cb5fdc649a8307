// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gspo_loss_grad

// d loss / d logp of GSPO (train §4): the per-sequence sums again, one
// coefficient per sequence, g · (−A_i s_i / (max(L_i, 1) N)) or 0 where the
// clipped branch is the minimum or the row is all-masked, then coefficient
// times mask per token.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[SEQ:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @gspo_grad
// CHECK-SAME:    %[[G:[^:]+]]: tensor<f32>, %[[LOGP:[^:]+]]: tensor<?x?xf32>, %[[OLD:[^:]+]]: tensor<?x?xf32>, %[[ADV:[^:]+]]: tensor<?xf32>, %[[MASK:[^:]+]]: tensor<?x?xi1>
// CHECK:         %[[ROWS:.+]]:2 = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK-SAME:      ins(%[[LOGP]], %[[OLD]], %[[MASK]] :
// CHECK:         %[[GS:.+]] = tensor.extract %[[G]][] : tensor<f32>
// CHECK:         %[[COEF:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel"]
// CHECK-SAME:      ins(%[[ROWS]]#0, %[[ROWS]]#1, %[[ADV]] :
// CHECK:           %[[S:.+]] = math.exp
// CHECK:           %[[CLIP:.+]] = arith.ori
// CHECK:           %[[EMPTY:.+]] = arith.cmpf ole
// CHECK:           %[[DEAD:.+]] = arith.ori %[[CLIP]], %[[EMPTY]] : i1
// CHECK:           arith.mulf %[[GS]], %{{.+}} : f32
// CHECK:           arith.select %[[DEAD]]
// CHECK:         %[[D:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[SEQ]], #[[ID]], #[[ID]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%[[COEF]], %[[MASK]] : tensor<?xf32>, tensor<?x?xi1>)
// CHECK:         return %[[D]] : tensor<?x?xf32>
func.func @gspo_grad(%g: tensor<f32>, %lp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %a: tensor<?xf32>, %m: tensor<?x?xi1>) -> tensor<?x?xf32> {
  %d = zen.gspo_loss_grad %g, %lp, %old, %a, %m : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xi1>
  return %d : tensor<?x?xf32>
}
