// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.embedding

// One gather generic over ids.shape + [H]: each id is clamped to [0, V-1]
// (V = 151936, Qwen3-0.6B) before the row is read with tensor.extract.

// CHECK-DAG:   #[[IDS:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @embed_qwen3
// CHECK-SAME:    %[[IDS_ARG:.+]]: tensor<?x?xi64>, %[[TABLE:.+]]: tensor<151936x1024xbf16>
// CHECK-DAG:     %[[LAST:.+]] = arith.constant 151935 : index
// CHECK-DAG:     %[[B:.+]] = tensor.dim %[[IDS_ARG]], %c0
// CHECK-DAG:     %[[T:.+]] = tensor.dim %[[IDS_ARG]], %c1
// CHECK:         %[[INIT:.+]] = tensor.empty(%[[B]], %[[T]]) : tensor<?x?x1024xbf16>
// CHECK:         %[[OUT_T:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[IDS]], #[[OUT]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[IDS_ARG]] : tensor<?x?xi64>) outs(%[[INIT]] : tensor<?x?x1024xbf16>)
// CHECK:         ^bb0(%[[ID:.+]]: i64, %{{.+}}: bf16):
// CHECK:           %[[ROW0:.+]] = arith.index_cast %[[ID]] : i64 to index
// CHECK:           %[[ROW1:.+]] = arith.maxsi %[[ROW0]], %{{.+}} : index
// CHECK:           %[[ROW:.+]] = arith.minsi %[[ROW1]], %[[LAST]] : index
// CHECK:           %[[COL:.+]] = linalg.index 2 : index
// CHECK:           %[[V:.+]] = tensor.extract %[[TABLE]][%[[ROW]], %[[COL]]] : tensor<151936x1024xbf16>
// CHECK:           linalg.yield %[[V]] : bf16
// CHECK:         return %[[OUT_T]] : tensor<?x?x1024xbf16>
func.func @embed_qwen3(%ids: tensor<?x?xi64>, %table: tensor<151936x1024xbf16>) -> tensor<?x?x1024xbf16> {
  %x = zen.embedding %ids, %table : tensor<?x?xi64>, tensor<151936x1024xbf16>
  return %x : tensor<?x?x1024xbf16>
}

// -----

// i32 ids (index_cast sign-extends them) and a dynamic vocabulary: the clamp
// bound is tensor.dim - 1.

// CHECK-LABEL: func.func @embed_i32_dynamic_vocab
// CHECK-SAME:    %[[IDS_ARG:.+]]: tensor<?xi32>, %[[TABLE:.+]]: tensor<?x64xf32>
// CHECK:         %[[V:.+]] = tensor.dim %[[TABLE]], %c0
// CHECK:         %[[LAST:.+]] = arith.subi %[[V]], %c1
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[IDS_ARG]] : tensor<?xi32>) outs(%{{.+}} : tensor<?x64xf32>)
// CHECK:           arith.index_cast %{{.+}} : i32 to index
// CHECK:           arith.maxsi
// CHECK:           arith.minsi %{{.+}}, %[[LAST]] : index
// CHECK:           linalg.index 1 : index
// CHECK:           tensor.extract %[[TABLE]]
// CHECK:         -> tensor<?x64xf32>
func.func @embed_i32_dynamic_vocab(%ids: tensor<?xi32>, %table: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %x = zen.embedding %ids, %table : tensor<?xi32>, tensor<?x64xf32>
  return %x : tensor<?x64xf32>
}
