// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.lm_head

// Tied Qwen3-0.6B head in bf16: one contraction over the hidden dim in f32,
// then the logits rounded to bf16 (HF does not upcast them).

// CHECK-DAG:   #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @lm_head_qwen3
// CHECK-SAME:    %[[H:.+]]: tensor<?x?x1024xbf16>, %[[E:.+]]: tensor<151936x1024xbf16>
// CHECK:         %[[ACC:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[X]], #[[W]], #[[Y]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[H]], %[[E]] : tensor<?x?x1024xbf16>, tensor<151936x1024xbf16>) outs(%{{.+}} : tensor<?x?x151936xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         %[[LOGITS:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[ACC]] : tensor<?x?x151936xf32>) outs(%{{.+}} : tensor<?x?x151936xbf16>)
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return %[[LOGITS]] : tensor<?x?x151936xbf16>
func.func @lm_head_qwen3(%h: tensor<?x?x1024xbf16>, %embed: tensor<151936x1024xbf16>) -> tensor<?x?x151936xbf16> {
  %logits = zen.lm_head %h, %embed : tensor<?x?x1024xbf16>, tensor<151936x1024xbf16>
  return %logits : tensor<?x?x151936xbf16>
}

// -----

// f32, last position only ([B, H]): the contraction is the result.

// CHECK-LABEL: func.func @lm_head_last_f32
// CHECK:         %[[ACC:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[ACC]] : tensor<?x50xf32>
func.func @lm_head_last_f32(%h: tensor<?x24xf32>, %w: tensor<50x24xf32>) -> tensor<?x50xf32> {
  %logits = zen.lm_head %h, %w : tensor<?x24xf32>, tensor<50x24xf32>
  return %logits : tensor<?x50xf32>
}
