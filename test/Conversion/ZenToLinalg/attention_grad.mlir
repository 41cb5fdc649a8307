// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file --verify-diagnostics | FileCheck %s --implicit-check-not=zen.attention_grad

// p is recomputed from q and k in a [B, nkv, n_rep, T, S] layout (query head
// j = h·n_rep + r), so dk and dv sum the n_rep heads of a group as plain
// reduction loops, with no repeated k or v. q, do and dq are split to
// [B, T, nkv, n_rep, hd] by an expand_shape of the static head dim, so that
// every indexing map is a projected permutation (no j floordiv n_rep), which
// the CPU codegen vectorizes. dq, dk and dv run their reductions outside the
// head dim (innermost, parallel): the inner loop reads and writes contiguous
// rows, as the forward's p·v does. dk and dv are summed per query head (over
// t), then over the n_rep heads of the group: one reduction loop each.

// CHECK-DAG:   #[[QH:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1, d2, d5)>
// CHECK-DAG:   #[[KH:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d1, d5)>
// CHECK-DAG:   #[[S6:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG:   #[[S5:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG:   #[[MASK:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[DSQ:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d1, d4)>
// CHECK-DAG:   #[[KQ:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d2, d5)>
// CHECK-DAG:   #[[OQ:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-DAG:   #[[SKV:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d4, d1)>
// CHECK-DAG:   #[[XKV:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d2, d3, d5)>
// CHECK-DAG:   #[[SUMR:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-LABEL: func.func @qwen3
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x?x16x128xf32>, %[[Q:[^:]+]]: tensor<?x?x16x128xf32>, %[[K:[^:]+]]: tensor<?x?x8x128xf32>, %[[V:[^:]+]]: tensor<?x?x8x128xf32>, %[[M:[^:]+]]: tensor<?x?xi64>
// CHECK:         %[[QS:.+]] = tensor.expand_shape %[[Q]] {{\[\[}}0], [1], [2, 3], [4]] output_shape [%{{.+}}, %{{.+}}, 8, 2, 128] : tensor<?x?x16x128xf32> into tensor<?x?x8x2x128xf32>
// CHECK:         %[[RAW:.+]] = linalg.generic {indexing_maps = [#[[QH]], #[[KH]], #[[S6]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[QS]], %[[K]] : {{.+}}) outs(%{{.+}} : tensor<?x8x2x?x?xf32>)
// CHECK:         %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[S5]], #[[MASK]], #[[ROW]]], {{.+}} ins(%[[RAW]], %[[M]] :
// CHECK:           arith.cmpi ule
// CHECK:           arith.maximumf
// CHECK:         %[[EXP:.+]] = linalg.generic {{.+}} ins(%[[RAW]], %[[M]], %[[MAX]] :
// CHECK:           math.exp
// CHECK:         %[[SUM:.+]] = linalg.generic {{.+}} ins(%[[EXP]] :
// CHECK:         %[[P:.+]] = linalg.generic {{.+}} ins(%[[EXP]], %[[SUM]] :
// CHECK:           arith.divf
// CHECK:         %[[DYS:.+]] = tensor.expand_shape %[[DY]] {{\[\[}}0], [1], [2, 3], [4]]
// CHECK:         %[[DP:.+]] = linalg.generic {indexing_maps = [#[[QH]], #[[KH]], #[[S6]]], {{.+}} ins(%[[DYS]], %[[V]] :
// CHECK:         %[[DELTA:.+]] = linalg.generic {{.+}} ins(%[[P]], %[[DP]] : {{.+}}) outs(%{{.+}} : tensor<?x8x2x?xf32>)
// CHECK:         %[[DS:.+]] = linalg.generic {{.+}} ins(%[[P]], %[[DP]], %[[DELTA]] :
// CHECK:         %[[DQS:.+]] = linalg.generic {indexing_maps = [#[[DSQ]], #[[KQ]], #[[OQ]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[DS]], %[[K]] : {{.+}}) outs(%{{.+}} : tensor<?x?x8x2x128xf32>)
// CHECK:         %[[DQ:.+]] = tensor.collapse_shape %[[DQS]] {{\[\[}}0], [1], [2, 3], [4]] : tensor<?x?x8x2x128xf32> into tensor<?x?x16x128xf32>
// CHECK:         %[[DKR:.+]] = linalg.generic {indexing_maps = [#[[SKV]], #[[XKV]], #[[OQ]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[DS]], %[[QS]] : {{.+}}) outs(%{{.+}} : tensor<?x?x8x2x128xf32>)
// CHECK:         %[[DK:.+]] = linalg.generic {indexing_maps = [#[[S5]], #[[SUMR]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[DKR]] : tensor<?x?x8x2x128xf32>) outs(%{{.+}} : tensor<?x?x8x128xf32>)
// CHECK:         %[[DVR:.+]] = linalg.generic {indexing_maps = [#[[SKV]], #[[XKV]], #[[OQ]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[P]], %[[DYS]] : {{.+}}) outs(%{{.+}} : tensor<?x?x8x2x128xf32>)
// CHECK:         %[[DV:.+]] = linalg.generic {indexing_maps = [#[[S5]], #[[SUMR]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[DVR]] : tensor<?x?x8x2x128xf32>) outs(%{{.+}} : tensor<?x?x8x128xf32>)
// CHECK:         return %[[DQ]], %[[DK]], %[[DV]]
func.func @qwen3(%dy: tensor<?x?x16x128xf32>, %q: tensor<?x?x16x128xf32>, %k: tensor<?x?x8x128xf32>,
                 %v: tensor<?x?x8x128xf32>, %m: tensor<?x?xi64>)
    -> (tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>) {
  %dq, %dk, %dv = zen.attention_grad %dy, %q, %k, %v mask(%m : tensor<?x?xi64>) {causal}
      : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>
      -> q_grad(tensor<?x?x16x128xf32>) k_grad(tensor<?x?x8x128xf32>) v_grad(tensor<?x?x8x128xf32>)
  return %dq, %dk, %dv : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>
}

// -----

// Gated, only dv and d gate wanted: do = dy σ(gate) feeds dv; o = p v is
// recomputed for d gate; dp / ds (the q and k path) are not built.

// CHECK-LABEL: func.func @gated_v_gate
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<1x5x4x8xbf16>, %[[Q:[^:]+]]: tensor<1x5x4x8xbf16>, %[[K:[^:]+]]: tensor<1x5x2x8xbf16>, %[[V:[^:]+]]: tensor<1x5x2x8xbf16>, %[[G:[^:]+]]: tensor<1x5x4x8xbf16>
// CHECK:           math.exp
// CHECK:         %[[SUM:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<1x2x2x5xf32>)
// CHECK:         %[[P:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[SUM]] : tensor<1x2x2x5x5xf32>, tensor<1x2x2x5xf32>)
// CHECK:           arith.divf
// CHECK:         %[[DO:.+]] = linalg.generic {{.+}} ins(%[[DY]], %[[G]] : {{.+}}) outs(%{{.+}} : tensor<1x5x4x8xf32>)
// CHECK:         %[[DOS:.+]] = tensor.expand_shape %[[DO]] {{\[\[}}0], [1], [2, 3], [4]] output_shape [1, 5, 2, 2, 8] : tensor<1x5x4x8xf32> into tensor<1x5x2x2x8xf32>
// CHECK:         %[[DVR:.+]] = linalg.generic {{.+}} ins(%[[P]], %[[DOS]] : {{.+}}) outs(%{{.+}} : tensor<1x5x2x2x8xf32>)
// CHECK:         %[[DV:.+]] = linalg.generic {{.+}} ins(%[[DVR]] : {{.+}}) outs(%{{.+}} : tensor<1x5x2x8xf32>)
// CHECK:         %[[DVB:.+]] = linalg.generic {{.+}} ins(%[[DV]] : tensor<1x5x2x8xf32>) outs(%{{.+}} : tensor<1x5x2x8xbf16>)
// CHECK:         %[[OS:.+]] = linalg.generic {{.+}} ins(%[[P]], %[[V]] : {{.+}}) outs(%{{.+}} : tensor<1x5x2x2x8xf32>)
// CHECK:         %[[O:.+]] = tensor.collapse_shape %[[OS]]
// CHECK:         %[[DG:.+]] = linalg.generic {{.+}} ins(%[[DY]], %[[O]], %[[G]] : {{.+}}) outs(%{{.+}} : tensor<1x5x4x8xbf16>)
// CHECK:         return %[[DVB]], %[[DG]]
func.func @gated_v_gate(%dy: tensor<1x5x4x8xbf16>, %q: tensor<1x5x4x8xbf16>, %k: tensor<1x5x2x8xbf16>,
                        %v: tensor<1x5x2x8xbf16>, %g: tensor<1x5x4x8xbf16>)
    -> (tensor<1x5x2x8xbf16>, tensor<1x5x4x8xbf16>) {
  %dv, %dg = zen.attention_grad %dy, %q, %k, %v gate(%g) {causal}
      : tensor<1x5x4x8xbf16>, tensor<1x5x2x8xbf16>, tensor<1x5x2x8xbf16>
      -> v_grad(tensor<1x5x2x8xbf16>) gate_grad(tensor<1x5x4x8xbf16>)
  return %dv, %dg : tensor<1x5x2x8xbf16>, tensor<1x5x4x8xbf16>
}

// -----

// A dynamic head count cannot be lowered (the GQA map needs a constant n_rep).
func.func @dynamic_heads(%dy: tensor<1x5x?x8xf32>, %q: tensor<1x5x?x8xf32>, %k: tensor<1x5x2x8xf32>,
                         %v: tensor<1x5x2x8xf32>) -> tensor<1x5x2x8xf32> {
  // expected-error @+2 {{'zen.attention_grad' op cannot be lowered with a dynamic head count: expected static q dim 2 (nh) and k dim 2 (nkv), found 'tensor<1x5x?x8xf32>' and 'tensor<1x5x2x8xf32>'}}
  // expected-error @+1 {{failed to legalize operation 'zen.attention_grad'}}
  %dv = zen.attention_grad %dy, %q, %k, %v : tensor<1x5x?x8xf32>, tensor<1x5x2x8xf32>, tensor<1x5x2x8xf32>
      -> v_grad(tensor<1x5x2x8xf32>)
  return %dv : tensor<1x5x2x8xf32>
}
