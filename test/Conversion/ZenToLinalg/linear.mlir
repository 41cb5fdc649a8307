// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.linear

// x Wᵀ as one n-D contraction generic (no reshapes of the dynamic batch and
// sequence dims) accumulating in f32, rounded to bf16 by a second generic.

// CHECK-DAG:   #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @linear_q_proj
// CHECK-SAME:    %[[IN:.+]]: tensor<?x?x1024xbf16>, %[[WQ:.+]]: tensor<2048x1024xbf16>
// CHECK-NOT:     tensor.collapse_shape
// CHECK-NOT:     tensor.expand_shape
// CHECK:         %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<?x?x2048xf32>)
// CHECK:         %[[ACC:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[X]], #[[W]], #[[Y]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[IN]], %[[WQ]] : tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>) outs(%[[ZERO]] : tensor<?x?x2048xf32>)
// CHECK:           %[[A:.+]] = arith.extf %{{.+}} : bf16 to f32
// CHECK:           %[[B:.+]] = arith.extf %{{.+}} : bf16 to f32
// CHECK:           %[[P:.+]] = arith.mulf %[[A]], %[[B]] : f32
// CHECK:           arith.addf %{{.+}}, %[[P]] : f32
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[ACC]] : tensor<?x?x2048xf32>) outs(%{{.+}} : tensor<?x?x2048xbf16>)
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return %[[OUT]] : tensor<?x?x2048xbf16>
func.func @linear_q_proj(%x: tensor<?x?x1024xbf16>, %wq: tensor<2048x1024xbf16>) -> tensor<?x?x2048xbf16> {
  %q = zen.linear %x, %wq : tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>
  return %q : tensor<?x?x2048xbf16>
}

// -----

// LoRA in f32: base, x Aᵀ and (x Aᵀ) Bᵀ contractions, then base + scale * lora.

// CHECK-LABEL: func.func @linear_lora
// CHECK-SAME:    %[[IN:[^:]+]]: tensor<?x?x1024xf32>, %[[W:[^:]+]]: tensor<2048x1024xf32>, %[[A:[^:]+]]: tensor<8x1024xf32>, %[[B:[^:]+]]: tensor<2048x8xf32>
// CHECK:         %[[BASE:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[IN]], %[[W]] :
// CHECK:         %[[XA:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[IN]], %[[A]] :
// CHECK:         } -> tensor<?x?x8xf32>
// CHECK:         %[[XAB:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[XA]], %[[B]] :
// CHECK:         %[[SUM:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[BASE]], %[[XAB]] :
// CHECK:         ^bb0(%[[BI:.+]]: f32, %[[LI:.+]]: f32, %{{.+}}: f32):
// CHECK:           %[[SCALE:.+]] = arith.constant 2.000000e+00 : f32
// CHECK:           %[[SCALED:.+]] = arith.mulf %[[LI]], %[[SCALE]] : f32
// CHECK:           %[[RES:.+]] = arith.addf %[[BI]], %[[SCALED]] : f32
// CHECK:           linalg.yield %[[RES]] : f32
// CHECK:         return %[[SUM]] : tensor<?x?x2048xf32>
func.func @linear_lora(%x: tensor<?x?x1024xf32>, %w: tensor<2048x1024xf32>, %a: tensor<8x1024xf32>,
                       %b: tensor<2048x8xf32>) -> tensor<?x?x2048xf32> {
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
      : tensor<?x?x1024xf32>, tensor<2048x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
  return %y : tensor<?x?x2048xf32>
}
