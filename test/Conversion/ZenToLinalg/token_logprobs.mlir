// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.token_logprobs

// Fused selective log-prob (train §2): an scf.for over the full vocabulary
// tiles of 2048 rows of the LM head, then the remainder tile (5000 = 2·2048 +
// 904), all of static shape so that the contractions run on the GEMM
// kernels, carries the running max, sum of exp and picked logit per token;
// each tile is one contraction (the [N, T, vt] logits tile, never [N, T, V])
// and one online-softmax reduction generic; a final generic gives
// z[y]/τ − (m + log s).

// CHECK-DAG:   #[[H:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Z:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @token_logprobs_bf16
// CHECK-SAME:    %[[HID:.+]]: tensor<?x?x64xbf16>, %[[HEAD:.+]]: tensor<5000x64xbf16>, %[[IDS:.+]]: tensor<?x?xi64>
// CHECK:         %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[M0:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<?x?xf32>)
// CHECK:         %[[TILE:.+]] = arith.constant 2048 : index
// CHECK:         %[[FULL:.+]] = arith.constant 4096 : index
// CHECK:         %[[LOOP:.+]]:3 = scf.for %[[V0:.+]] = %{{.+}} to %[[FULL]] step %[[TILE]] iter_args(%[[M:.+]] = %[[M0]], %[[S:.+]] = %{{.+}}, %[[P:.+]] = %{{.+}}) -> (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK:           %[[WT:.+]] = tensor.extract_slice %[[HEAD]][%[[V0]], 0] [2048, 64] [1, 1] : tensor<5000x64xbf16> to tensor<2048x64xbf16>
// CHECK:           %[[LOGITS:.+]] = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[H]], #[[W]], #[[Z]]]
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%[[HID]], %[[WT]] : tensor<?x?x64xbf16>, tensor<2048x64xbf16>) outs(%{{.+}} : tensor<?x?x2048xf32>)
// CHECK:           %[[NEXT:.+]]:3 = linalg.generic
// CHECK-SAME:        indexing_maps = [#[[ID3]], #[[ROW]], #[[ROW]], #[[ROW]], #[[ROW]]]
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%[[LOGITS]], %[[IDS]] : tensor<?x?x2048xf32>, tensor<?x?xi64>) outs(%[[M]], %[[S]], %[[P]] : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK:             arith.truncf %{{.+}} : f32 to bf16
// CHECK:             %[[TAU:.+]] = arith.constant 5.000000e-01 : f32
// CHECK:             arith.divf %{{.+}}, %[[TAU]] : f32
// CHECK:             %[[ABOVE:.+]] = arith.cmpf ogt
// CHECK:             math.exp
// CHECK:             %[[ID:.+]] = linalg.index 2 : index
// CHECK:             arith.addi %[[ID]], %[[V0]] : index
// CHECK:           scf.yield %[[NEXT]]#0, %[[NEXT]]#1, %[[NEXT]]#2
// CHECK:         %[[REST:.+]] = tensor.extract_slice %[[HEAD]][%{{.+}}, 0] [904, 64] [1, 1] : tensor<5000x64xbf16> to tensor<904x64xbf16>
// CHECK:         %[[RLOGITS:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[HID]], %[[REST]] : tensor<?x?x64xbf16>, tensor<904x64xbf16>) outs(%{{.+}} : tensor<?x?x904xf32>)
// CHECK:         %[[STATS:.+]]:3 = linalg.generic
// CHECK-SAME:      ins(%[[RLOGITS]], %[[IDS]] : tensor<?x?x904xf32>, tensor<?x?xi64>) outs(%[[LOOP]]#0, %[[LOOP]]#1, %[[LOOP]]#2 :
// CHECK:         %[[LOGP:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[STATS]]#0, %[[STATS]]#1, %[[STATS]]#2 : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK:           %[[LOG:.+]] = math.log
// CHECK:           %[[LSE:.+]] = arith.addf %{{.+}}, %[[LOG]] : f32
// CHECK:           arith.subf %{{.+}}, %[[LSE]] : f32
// CHECK:         return %[[LOGP]] : tensor<?x?xf32>
func.func @token_logprobs_bf16(%h: tensor<?x?x64xbf16>, %w: tensor<5000x64xbf16>, %ids: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %l = zen.token_logprobs %h, %w, %ids {temperature = 0.5 : f64} : tensor<?x?x64xbf16>, tensor<5000x64xbf16>, tensor<?x?xi64>
  return %l : tensor<?x?xf32>
}

// -----

// A flat [tokens, H] layout and a vocabulary smaller than one tile: no loop,
// one remainder tile.
// CHECK-LABEL: func.func @token_logprobs_flat
// CHECK-NOT:     scf.for
// CHECK:           tensor.extract_slice %{{.+}} : tensor<37x16xf32> to tensor<37x16xf32>
// CHECK:           linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:           linalg.generic
// CHECK-SAME:        iterator_types = ["parallel", "reduction"]
// CHECK-NOT:         arith.truncf
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel"]
func.func @token_logprobs_flat(%h: tensor<7x16xf32>, %w: tensor<37x16xf32>, %ids: tensor<7xi32>) -> tensor<7xf32> {
  %l = zen.token_logprobs %h, %w, %ids : tensor<7x16xf32>, tensor<37x16xf32>, tensor<7xi32>
  return %l : tensor<7xf32>
}

// -----

// materialize_logits (the unfused baseline of the memory benchmark): one
// tile of all 5000 rows, so the whole [N, T, V] logits exist at once; no
// vocabulary loop.
// CHECK-LABEL: func.func @token_logprobs_whole_vocabulary
// CHECK-NOT:     scf.for
// CHECK:         tensor.extract_slice %{{.+}}[%{{.+}}, 0] [5000, 64] [1, 1] : tensor<5000x64xbf16> to tensor<5000x64xbf16>
// CHECK:         %[[LOGITS:.+]] = linalg.generic
// CHECK-SAME:      outs(%{{.+}} : tensor<?x?x5000xf32>)
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[LOGITS]], %{{.+}} : tensor<?x?x5000xf32>, tensor<?x?xi64>)
// CHECK:           math.exp
// CHECK:         linalg.generic
// CHECK:           math.log
func.func @token_logprobs_whole_vocabulary(%h: tensor<?x?x64xbf16>, %w: tensor<5000x64xbf16>, %ids: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %l = zen.token_logprobs %h, %w, %ids {temperature = 0.5 : f64, materialize_logits} : tensor<?x?x64xbf16>, tensor<5000x64xbf16>, tensor<?x?xi64>
  return %l : tensor<?x?xf32>
}
