// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.mlp

// Qwen3-0.6B MLP in bf16 as HF's three nn.Linear calls: the gate and up
// contractions accumulate in f32, the SwiGLU generic rounds each of them to
// bf16 (and silu and the product), then the down contraction accumulates in
// f32 and is rounded once more.

// CHECK-DAG:   #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @mlp_qwen3_0_6b
// CHECK-SAME:    %[[IN:[^:]+]]: tensor<?x?x1024xbf16>, %[[WG:[^:]+]]: tensor<3072x1024xbf16>, %[[WU:[^:]+]]: tensor<3072x1024xbf16>, %[[WD:[^:]+]]: tensor<1024x3072xbf16>
// CHECK:         %[[GATE:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[X]], #[[W]], #[[Y]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[IN]], %[[WG]] : tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>)
// CHECK:         } -> tensor<?x?x3072xf32>
// CHECK:         %[[UP:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[IN]], %[[WU]] : tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>)
// CHECK:         } -> tensor<?x?x3072xf32>
// CHECK:         %[[H:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[GATE]], %[[UP]] : tensor<?x?x3072xf32>, tensor<?x?x3072xf32>)
// CHECK-SAME:      outs(%{{.+}} : tensor<?x?x3072xbf16>)
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:           arith.mulf
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         %[[DOWN:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[H]], %[[WD]] : tensor<?x?x3072xbf16>, tensor<1024x3072xbf16>)
// CHECK:         } -> tensor<?x?x1024xf32>
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[DOWN]] : tensor<?x?x1024xf32>) outs(%{{.+}} : tensor<?x?x1024xbf16>)
// CHECK:           arith.truncf
// CHECK:         return %[[OUT]] : tensor<?x?x1024xbf16>
func.func @mlp_qwen3_0_6b(%x: tensor<?x?x1024xbf16>, %wg: tensor<3072x1024xbf16>,
                          %wu: tensor<3072x1024xbf16>, %wd: tensor<1024x3072xbf16>) -> tensor<?x?x1024xbf16> {
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>,
      tensor<3072x1024xbf16>, tensor<1024x3072xbf16>
  return %y : tensor<?x?x1024xbf16>
}

// -----

// f32, rows already flattened (a Qwen3-Next expert's view): three
// contractions and no rounding anywhere.

// CHECK-LABEL: func.func @mlp_expert_f32
// CHECK-NOT:     arith.truncf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NOT:     arith.truncf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NOT:     arith.truncf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-NOT:     arith.truncf
// CHECK:           math.exp
// CHECK-NOT:     arith.truncf
// CHECK:         %[[DOWN:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NOT:     arith.truncf
// CHECK:         } -> tensor<?x2048xf32>
// CHECK-NEXT:    return %[[DOWN]]
func.func @mlp_expert_f32(%x: tensor<?x2048xf32>, %wg: tensor<512x2048xf32>,
                          %wu: tensor<512x2048xf32>, %wd: tensor<2048x512xf32>) -> tensor<?x2048xf32> {
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x2048xf32>, tensor<512x2048xf32>,
      tensor<512x2048xf32>, tensor<2048x512xf32>
  return %y : tensor<?x2048xf32>
}
