// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.rms_norm

// Qwen3RMSNorm in bf16: sum(x²) over the last dim in f32 (one reduction
// generic), then one elementwise generic: mean, + eps, rsqrt, x * rsqrt
// rounded to bf16, times the weight in bf16.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[LANE:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rms_norm_qwen3
// CHECK-SAME:    %[[X:.+]]: tensor<?x?x1024xbf16>, %[[W:.+]]: tensor<1024xbf16>
// CHECK:         %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<?x?xf32>)
// CHECK:         %[[SUMSQ:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ROW]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[X]] : tensor<?x?x1024xbf16>) outs(%[[ZERO]] : tensor<?x?xf32>)
// CHECK:           %[[XF:.+]] = arith.extf %{{.+}} : bf16 to f32
// CHECK:           %[[SQ:.+]] = arith.mulf %[[XF]], %[[XF]] : f32
// CHECK:           arith.addf %{{.+}}, %[[SQ]] : f32
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[ROW]], #[[LANE]], #[[ID]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[X]], %[[SUMSQ]], %[[W]] : tensor<?x?x1024xbf16>, tensor<?x?xf32>, tensor<1024xbf16>)
// CHECK:         ^bb0(%{{.+}}: bf16, %[[S:.+]]: f32, %[[WI:.+]]: bf16, %{{.+}}: bf16):
// CHECK:           %[[MEAN:.+]] = arith.divf %[[S]], %{{.+}} : f32
// CHECK:           %[[EPS:.+]] = arith.constant 9.99999997E-7 : f32
// CHECK:           %[[VAR:.+]] = arith.addf %[[MEAN]], %[[EPS]] : f32
// CHECK:           %[[INV:.+]] = math.rsqrt %[[VAR]] : f32
// CHECK:           %[[Y:.+]] = arith.mulf %{{.+}}, %[[INV]] : f32
// CHECK:           %[[YB:.+]] = arith.truncf %[[Y]] : f32 to bf16
// CHECK:           %[[RES:.+]] = arith.mulf %[[WI]], %[[YB]] : bf16
// CHECK:           linalg.yield %[[RES]] : bf16
// CHECK:         return %[[OUT]] : tensor<?x?x1024xbf16>
func.func @rms_norm_qwen3(%x: tensor<?x?x1024xbf16>, %w: tensor<1024xbf16>) -> tensor<?x?x1024xbf16> {
  %y = zen.rms_norm %x, %w {eps = 1.0e-06 : f64} : tensor<?x?x1024xbf16>, tensor<1024xbf16>
  return %y : tensor<?x?x1024xbf16>
}

// -----

// Qwen3NextRMSNorm (zero-centred): the scale is 1 + w in f32 and the result
// is rounded once, after the multiply.

// CHECK-LABEL: func.func @rms_norm_next_zero_centered
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:         ^bb0(%{{.+}}: bf16, %{{.+}}: f32, %[[WI:.+]]: bf16, %{{.+}}: bf16):
// CHECK:           %[[INV:.+]] = math.rsqrt
// CHECK:           %[[Y:.+]] = arith.mulf %{{.+}}, %[[INV]] : f32
// CHECK:           %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:           %[[WF:.+]] = arith.extf %[[WI]] : bf16 to f32
// CHECK:           %[[SCALE:.+]] = arith.addf %[[ONE]], %[[WF]] : f32
// CHECK:           %[[Z:.+]] = arith.mulf %[[Y]], %[[SCALE]] : f32
// CHECK:           %[[RES:.+]] = arith.truncf %[[Z]] : f32 to bf16
// CHECK-NEXT:      linalg.yield %[[RES]] : bf16
func.func @rms_norm_next_zero_centered(%x: tensor<?x?x2048xbf16>, %w: tensor<2048xbf16>) -> tensor<?x?x2048xbf16> {
  %y = zen.rms_norm %x, %w {zero_centered} : tensor<?x?x2048xbf16>, tensor<2048xbf16>
  return %y : tensor<?x?x2048xbf16>
}

// -----

// Per-head q-norm in f32 (rank 4, head_dim 128): no rounding.

// CHECK-LABEL: func.func @rms_norm_qk_f32
// CHECK-NOT:     arith.truncf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-NOT:     arith.truncf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK:           math.rsqrt
// CHECK-NOT:       arith.truncf
// CHECK:           linalg.yield
// CHECK-NOT:     arith.truncf
// CHECK:         return
func.func @rms_norm_qk_f32(%q: tensor<?x?x16x128xf32>, %w: tensor<128xf32>) -> tensor<?x?x16x128xf32> {
  %y = zen.rms_norm %q, %w {eps = 1.0e-06 : f64} : tensor<?x?x16x128xf32>, tensor<128xf32>
  return %y : tensor<?x?x16x128xf32>
}
