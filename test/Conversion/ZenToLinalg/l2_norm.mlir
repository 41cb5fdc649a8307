// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.l2_norm

// FLA's in-kernel l2norm over the key head dim (Qwen3-Next: 16 heads of
// 128): sum(x²) in f32, then x * rsqrt(sum + eps), eps inside the sqrt.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @l2_norm_keys
// CHECK-SAME:    %[[X:.+]]: tensor<?x?x16x128xf32>
// CHECK:         %[[SUMSQ:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ROW]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[X]] : tensor<?x?x16x128xf32>) outs(%{{.+}} : tensor<?x?x16xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[X]], %[[SUMSQ]] : tensor<?x?x16x128xf32>, tensor<?x?x16xf32>)
// CHECK:         ^bb0(%[[XI:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: f32):
// CHECK:           %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
// CHECK:           %[[V:.+]] = arith.addf %[[S]], %[[EPS]] : f32
// CHECK:           %[[INV:.+]] = math.rsqrt %[[V]] : f32
// CHECK:           %[[Y:.+]] = arith.mulf %[[XI]], %[[INV]] : f32
// CHECK:           linalg.yield %[[Y]] : f32
// CHECK:         return %[[OUT]]
func.func @l2_norm_keys(%k: tensor<?x?x16x128xf32>) -> tensor<?x?x16x128xf32> {
  %kn = zen.l2_norm %k : tensor<?x?x16x128xf32>
  return %kn : tensor<?x?x16x128xf32>
}

// -----

// bf16 with a custom eps: statistics in f32, one rounding at the end.

// CHECK-LABEL: func.func @l2_norm_bf16
// CHECK:         linalg.generic
// CHECK:           arith.extf %{{.+}} : bf16 to f32
// CHECK:         linalg.generic
// CHECK:           arith.constant 1.000000e-03 : f32
// CHECK:           math.rsqrt
// CHECK:           %[[Y:.+]] = arith.mulf
// CHECK:           %[[YB:.+]] = arith.truncf %[[Y]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[YB]] : bf16
func.func @l2_norm_bf16(%q: tensor<?x?x16x128xbf16>) -> tensor<?x?x16x128xbf16> {
  %qn = zen.l2_norm %q {eps = 1.0e-03 : f64} : tensor<?x?x16x128xbf16>
  return %qn : tensor<?x?x16x128xbf16>
}
