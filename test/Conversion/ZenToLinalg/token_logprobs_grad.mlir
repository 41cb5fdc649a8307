// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.token_logprobs_grad

// Backward of the fused selective log-prob (train §2): gather the target rows
// of the LM head (scf.for over tokens), x[y] = h·W[y] and lse = x[y] − logp per
// token, then an scf.for over the full 2048-row vocabulary tiles and one
// static remainder tile (5000 = 2·2048 + 904), recomputing each logits tile:
// d z = g (onehot − exp(x − lse)) / τ, and d hidden accumulates d z · W_tile
// in the loop-carried f32 tensor, as the x·Wᵀ contraction of the GEMM
// kernels on a transposed copy of the tile. LoRA training (only d hidden):
// no d W is built.

// CHECK-DAG:   #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[H:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Z:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[T:.+]] = affine_map<(d0, d1) -> (d1, d0)>
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
// CHECK:         %[[LOOP:.+]] = scf.for %[[V0:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %{{.+}}) -> (tensor<?x?x64xf32>)
// CHECK:           %[[WTILE:.+]] = tensor.extract_slice %[[HEAD]][%[[V0]], 0] [2048, 64] [1, 1] : tensor<5000x64xf32> to tensor<2048x64xf32>
// CHECK:           %[[LOGITS:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[H]], #[[W]], #[[Z]]]
// CHECK:           %[[DZ:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[ID3]], #[[ROW]], #[[ROW]], #[[ROW]], #[[ID3]]]
// CHECK-SAME:        ins(%[[LOGITS]], %[[IDS]], %[[TOK]]#0, %[[TOK]]#1 :
// CHECK:             math.exp
// CHECK:           %[[WTT:.+]] = linalg.generic {indexing_maps = [#[[T]], #{{.+}}]
// CHECK-SAME:        ins(%[[WTILE]] : tensor<2048x64xf32>) outs(%{{.+}} : tensor<64x2048xf32>)
// CHECK:           %[[NEXT:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[H]], #[[W]], #[[Z]]]
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%[[DZ]], %[[WTT]] : tensor<?x?x2048xf32>, tensor<64x2048xf32>) outs(%[[ACC]] : tensor<?x?x64xf32>)
// CHECK-NOT:       tensor.insert_slice
// CHECK:           scf.yield %[[NEXT]] : tensor<?x?x64xf32>
// CHECK:         tensor.extract_slice %[[HEAD]][%{{.+}}, 0] [904, 64] [1, 1] : tensor<5000x64xf32> to tensor<904x64xf32>
// CHECK:         %[[DH:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<?x?x904xf32>, tensor<64x904xf32>) outs(%[[LOOP]] : tensor<?x?x64xf32>)
// CHECK:         return %[[DH]] : tensor<?x?x64xf32>
func.func @hidden_grad(%h: tensor<?x?x64xf32>, %w: tensor<5000x64xf32>, %ids: tensor<?x?xi64>,
                       %lp: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> tensor<?x?x64xf32> {
  %dh = zen.token_logprobs_grad %h, %w, %ids, %lp, %g
      : tensor<?x?x64xf32>, tensor<5000x64xf32>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x64xf32>
  return %dh : tensor<?x?x64xf32>
}

// -----

// Both cotangents in bf16: d W_tile = Σ_tokens d zᵀ h, chunked over the
// tokens into GEMM-shaped contractions (as linear_grad's dW), rounded to bf16
// and inserted at the tile's rows; d hidden rounded once at the end.
// CHECK-LABEL: func.func @both_bf16
// CHECK:         %[[R:.+]]:2 = scf.for %[[V0:[^ ]+]] = {{.+}} -> (tensor<?x?x64xf32>, tensor<5000x64xbf16>)
// CHECK:           linalg.generic {{.+}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           linalg.generic {{.+}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:           linalg.generic {{.+}} outs(%{{.+}} : tensor<64x2048xbf16>)
// CHECK:           linalg.generic {{.+}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           %[[TG:.+]] = scf.for {{.+}} -> (tensor<2048x64xf32>)
// CHECK:             linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<2048x256xf32>, tensor<64x256xbf16>) outs(%{{.+}} : tensor<2048x64xf32>)
// CHECK:           %[[TGB:.+]] = linalg.generic {{.+}} ins(%[[TG]] : tensor<2048x64xf32>)
// CHECK:             arith.truncf %{{.+}} : f32 to bf16
// CHECK:           tensor.insert_slice %[[TGB]] into %{{.+}}[%[[V0]], 0] [2048, 64] [1, 1] : tensor<2048x64xbf16> into tensor<5000x64xbf16>
// CHECK:         tensor.insert_slice %{{.+}} into %[[R]]#1[%{{.+}}, 0] [904, 64] [1, 1] : tensor<904x64xbf16> into tensor<5000x64xbf16>
// CHECK:         %[[DH:.+]] = linalg.generic
// CHECK:           arith.truncf %{{.+}} : f32 to bf16
// CHECK:         return %[[DH]], %{{.+}} : tensor<?x?x64xbf16>, tensor<5000x64xbf16>
func.func @both_bf16(%h: tensor<?x?x64xbf16>, %w: tensor<5000x64xbf16>, %ids: tensor<?x?xi64>,
                     %lp: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> (tensor<?x?x64xbf16>, tensor<5000x64xbf16>) {
  %dh, %dw = zen.token_logprobs_grad %h, %w, %ids, %lp, %g {temperature = 0.7 : f64}
      : tensor<?x?x64xbf16>, tensor<5000x64xbf16>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x64xbf16> lm_head_w_grad tensor<5000x64xbf16>
  return %dh, %dw : tensor<?x?x64xbf16>, tensor<5000x64xbf16>
}

// -----

// materialize_logits: the logits and d z are built whole, [N, T, V], in one
// tile; no vocabulary loop (only the gather of the target rows loops).
// CHECK-LABEL: func.func @hidden_grad_whole_vocabulary
// CHECK:         tensor.extract_slice %{{.+}}[%{{.+}}, 0] [5000, 64] [1, 1] : tensor<5000x64xf32> to tensor<5000x64xf32>
// CHECK-NOT:     scf.for
// CHECK:         %[[LOGITS:.+]] = linalg.generic {{.+}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      outs(%{{.+}} : tensor<?x?x5000xf32>)
// CHECK:         %[[DZ:.+]] = linalg.generic {{.+}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[LOGITS]], {{.+}}) outs(%{{.+}} : tensor<?x?x5000xf32>)
// CHECK:         linalg.generic {{.+}} outs(%{{.+}} : tensor<64x5000xf32>)
// CHECK:         linalg.generic {{.+}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[DZ]], %{{.+}} : tensor<?x?x5000xf32>, tensor<64x5000xf32>) outs(%{{.+}} : tensor<?x?x64xf32>)
// CHECK-NOT:     scf.for
func.func @hidden_grad_whole_vocabulary(%h: tensor<?x?x64xf32>, %w: tensor<5000x64xf32>, %ids: tensor<?x?xi64>,
                                        %lp: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> tensor<?x?x64xf32> {
  %dh = zen.token_logprobs_grad %h, %w, %ids, %lp, %g {temperature = 0.7 : f64, materialize_logits}
      : tensor<?x?x64xf32>, tensor<5000x64xf32>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x64xf32>
  return %dh : tensor<?x?x64xf32>
}
