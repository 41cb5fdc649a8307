// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.swiglu

// One elementwise generic: silu(g) = g / (1 + exp(-g)) in f32, rounded to
// bf16, times up, rounded again (torch on bf16 tensors).

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @swiglu_bf16
// CHECK-SAME:    %[[G:.+]]: tensor<?x?x3072xbf16>, %[[U:.+]]: tensor<?x?x3072xbf16>
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ID]], #[[ID]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[G]], %[[U]] : tensor<?x?x3072xbf16>, tensor<?x?x3072xbf16>)
// CHECK:         ^bb0(%[[GI:.+]]: bf16, %[[UI:.+]]: bf16, %{{.+}}: bf16):
// CHECK-DAG:       %[[GF:.+]] = arith.extf %[[GI]] : bf16 to f32
// CHECK-DAG:       %[[UF:.+]] = arith.extf %[[UI]] : bf16 to f32
// CHECK:           %[[NEG:.+]] = arith.negf %[[GF]] : f32
// CHECK:           %[[E:.+]] = math.exp %[[NEG]] : f32
// CHECK:           %[[DEN:.+]] = arith.addf %{{.+}}, %[[E]] : f32
// CHECK:           %[[SILU:.+]] = arith.divf %[[GF]], %[[DEN]] : f32
// CHECK:           %[[SILU_B:.+]] = arith.truncf %[[SILU]] : f32 to bf16
// CHECK:           %[[SILU_F:.+]] = arith.extf %[[SILU_B]] : bf16 to f32
// CHECK:           %[[PROD:.+]] = arith.mulf %[[SILU_F]], %[[UF]] : f32
// CHECK:           %[[RES:.+]] = arith.truncf %[[PROD]] : f32 to bf16
// CHECK:           linalg.yield %[[RES]] : bf16
// CHECK:         return %[[OUT]] : tensor<?x?x3072xbf16>
func.func @swiglu_bf16(%g: tensor<?x?x3072xbf16>, %u: tensor<?x?x3072xbf16>) -> tensor<?x?x3072xbf16> {
  %h = zen.swiglu %g, %u : tensor<?x?x3072xbf16>
  return %h : tensor<?x?x3072xbf16>
}

// -----

// f32: the same generic without any rounding.

// CHECK-LABEL: func.func @swiglu_f32
// CHECK:         linalg.generic
// CHECK-NOT:       arith.truncf
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.mulf
// CHECK-NEXT:      linalg.yield
func.func @swiglu_f32(%g: tensor<7x512xf32>, %u: tensor<7x512xf32>) -> tensor<7x512xf32> {
  %h = zen.swiglu %g, %u : tensor<7x512xf32>
  return %h : tensor<7x512xf32>
}
