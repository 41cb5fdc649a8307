// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.token_logprobs_grad

// Backward of the fused selective log-prob (train §2): gather the target rows
// of the LM head (scf.for over tokens), x[y] = h·W[y] and lse = x[y] − logp per
// token, then one scf.for over 2048-row vocabulary tiles recomputing each
// logits tile: d z = g (onehot − exp(x − lse)) / τ, and d hidden accumulates
// d z · W_tile in the loop-carried f32 tensor. LoRA training (only d hidden):
// no d W is built.

// CHECK-DAG:   #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[H:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Z:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[WT:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @hidden_grad
// CHECK-SAME:    %[[HID:[^:]+]]: tensor<?x?x64xf32>, %[[HEAD:[^:]+]]: tensor<5000x64xf32>, %[[IDS:[^:]+]]: tensor<?x?xi64>, %[[LOGP:[^:]+]]: tensor<?x?xf32>, %[[G:[^:]+]]: tensor<?x?xf32>
// CHECK:         %[[ROWS:.+]] = scf.for
// CHECK:           scf.for
// CHECK:             %[[Y:.+]] = tensor.extract %[[IDS]]
// CHECK:             tensor.extract_slice %[[HEAD]][%{{.+}}, 0] [1, 64] [1, 1] : tensor<5000x64xf32> to tensor<64xf32>
// CHECK:             tensor.insert_slice
// CHECK:         %[[PICK:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[HID]], %[[ROWS]] : tensor<?x?x64xf32>, tensor<?x?x64xf32>)
// CHECK:         %[[TOK:.+]]:2 = linalg.generic
// CHECK-SAME:      ins(%[[PICK]], %[[LOGP]], %[[G]] : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK:         %[[DH:.+]] = scf.for %[[V0:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (tensor<?x?x64xf32>)
// CHECK:           %[[WTILE:.+]] = tensor.extract_slice %[[HEAD]][%[[V0]], 0] [%{{.+}}, 64] [1, 1] : tensor<5000x64xf32> to tensor<?x64xf32>
// CHECK:           %[[LOGITS:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[H]], #[[W]], #[[Z]]]
// CHECK:           %[[DZ:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[ID3]], #[[ROW]], #[[ROW]], #[[ROW]], #[[ID3]]]
// CHECK-SAME:        ins(%[[LOGITS]], %[[IDS]], %[[TOK]]#0, %[[TOK]]#1 :
// CHECK:             math.exp
// CHECK:           %[[NEXT:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[H]], #[[WT]], #[[Z]]]
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%[[DZ]], %[[WTILE]] : tensor<?x?x?xf32>, tensor<?x64xf32>) outs(%[[ACC]] : tensor<?x?x64xf32>)
// CHECK-NOT:       tensor.insert_slice
// CHECK:           scf.yield %[[NEXT]] : tensor<?x?x64xf32>
// CHECK:         return %[[DH]] : tensor<?x?x64xf32>
func.func @hidden_grad(%h: tensor<?x?x64xf32>, %w: tensor<5000x64xf32>, %ids: tensor<?x?xi64>,
                       %lp: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> tensor<?x?x64xf32> {
  %dh = zen.token_logprobs_grad %h, %w, %ids, %lp, %g
      : tensor<?x?x64xf32>, tensor<5000x64xf32>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x64xf32>
  return %dh : tensor<?x?x64xf32>
}

// -----

// Both cotangents in bf16: d W_tile = Σ_tokens d zᵀ h (tokens reduced last),
// rounded to bf16 and inserted at the tile's rows; d hidden rounded once at
// the end.
// CHECK-DAG:   #[[DZW:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3, d0)>
// CHECK-DAG:   #[[HW:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3, d1)>
// CHECK-DAG:   #[[VK:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @both_bf16
// CHECK:         %[[R:.+]]:2 = scf.for %[[V0:[^ ]+]] = {{.+}} -> (tensor<?x?x64xf32>, tensor<5000x64xbf16>)
// CHECK:           linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:           linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           %[[TG:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[DZW]], #[[HW]], #[[VK]]]
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK:           %[[TGB:.+]] = linalg.generic
// CHECK:             arith.truncf %{{.+}} : f32 to bf16
// CHECK:           tensor.insert_slice %[[TGB]] into %{{.+}}[%[[V0]], 0] [%{{.+}}, 64] [1, 1] : tensor<?x64xbf16> into tensor<5000x64xbf16>
// CHECK:         %[[DH:.+]] = linalg.generic
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return %[[DH]], %[[R]]#1 : tensor<?x?x64xbf16>, tensor<5000x64xbf16>
func.func @both_bf16(%h: tensor<?x?x64xbf16>, %w: tensor<5000x64xbf16>, %ids: tensor<?x?xi64>,
                     %lp: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> (tensor<?x?x64xbf16>, tensor<5000x64xbf16>) {
  %dh, %dw = zen.token_logprobs_grad %h, %w, %ids, %lp, %g {temperature = 0.7 : f64}
      : tensor<?x?x64xbf16>, tensor<5000x64xbf16>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x64xbf16> lm_head_w_grad tensor<5000x64xbf16>
  return %dh, %dw : tensor<?x?x64xbf16>, tensor<5000x64xbf16>
}
