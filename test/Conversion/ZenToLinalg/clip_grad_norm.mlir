// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.clip_grad_norm

// Global-norm clipping (train §7): Σ g² of every gradient accumulates into
// one f32 scalar (each reduction continues the previous one's result), total
// = sqrt, coefficient min(1, max_norm / (total + 1e-6)) multiplies every
// gradient (rounded back to bf16), total_norm is returned before clipping.

// CHECK-DAG:   #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ALL2:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @clip_two
// CHECK-SAME:    %[[A:[^:]+]]: tensor<?x64xbf16>, %[[B:[^:]+]]: tensor<8xf32>
// CHECK:         %[[SA:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID2]], #[[ALL2]]]
// CHECK-SAME:      iterator_types = ["reduction", "reduction"]
// CHECK-SAME:      ins(%[[A]] : tensor<?x64xbf16>) outs(%{{.+}} : tensor<f32>)
// CHECK:         %[[SB:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["reduction"]
// CHECK-SAME:      ins(%[[B]] : tensor<8xf32>) outs(%[[SA]] : tensor<f32>)
// CHECK:         %[[SUM:.+]] = tensor.extract %[[SB]][] : tensor<f32>
// CHECK:         %[[TOTAL:.+]] = math.sqrt %[[SUM]] : f32
// CHECK:         %[[MAX:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:         %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
// CHECK:         %[[DEN:.+]] = arith.addf %[[TOTAL]], %[[EPS]] : f32
// CHECK:         %[[COEF:.+]] = arith.divf %[[MAX]], %[[DEN]] : f32
// CHECK:         %[[CLAMPED:.+]] = arith.minimumf %[[COEF]], %{{.+}} : f32
// CHECK:         %[[CA:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[A]] : tensor<?x64xbf16>) outs(%{{.+}} : tensor<?x64xbf16>)
// CHECK:           arith.mulf %{{.+}}, %[[CLAMPED]] : f32
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         %[[CB:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[B]] : tensor<8xf32>)
// CHECK:         %[[N:.+]] = tensor.from_elements %[[TOTAL]] : tensor<f32>
// CHECK:         return %[[CA]], %[[CB]], %[[N]] : tensor<?x64xbf16>, tensor<8xf32>, tensor<f32>
func.func @clip_two(%a: tensor<?x64xbf16>, %b: tensor<8xf32>) -> (tensor<?x64xbf16>, tensor<8xf32>, tensor<f32>) {
  %c:2, %n = zen.clip_grad_norm %a, %b {max_norm = 1.0 : f64} : tensor<?x64xbf16>, tensor<8xf32>
  return %c#0, %c#1, %n : tensor<?x64xbf16>, tensor<8xf32>, tensor<f32>
}
