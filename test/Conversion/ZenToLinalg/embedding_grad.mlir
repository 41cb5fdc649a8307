// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.embedding_grad

// A scatter-add into an f32 [V, H] accumulator, one scf.for per ids dim
// (no reshape of the dynamic dims): each token's row is added to the row of
// its clamped id, then the table is rounded once to bf16. O(tokens · H).

// CHECK-LABEL: func.func @qwen3
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x?x1024xbf16>, %[[IDS:[^:]+]]: tensor<?x?xi64>
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<151936x1024xf32>)
// CHECK:         %[[ACC:.+]] = scf.for %[[B:.+]] = {{.+}} iter_args(%{{.+}} = %[[ZERO]]) -> (tensor<151936x1024xf32>)
// CHECK:           scf.for %[[T:.+]] = {{.+}} iter_args(%[[A:.+]] = %{{.+}}) -> (tensor<151936x1024xf32>)
// CHECK:             %[[ID:.+]] = tensor.extract %[[IDS]][%[[B]], %[[T]]]
// CHECK:             arith.maxsi
// CHECK:             %[[ROW:.+]] = arith.minsi
// CHECK:             %[[OLD:.+]] = tensor.extract_slice %[[A]][%[[ROW]], 0] [1, 1024] [1, 1] : tensor<151936x1024xf32> to tensor<1024xf32>
// CHECK:             %[[NEW:.+]] = tensor.extract_slice %[[DY]][%[[B]], %[[T]], 0] [1, 1, 1024] [1, 1, 1] : tensor<?x?x1024xbf16> to tensor<1024xbf16>
// CHECK:             %[[SUM:.+]] = linalg.generic {{.+}} ins(%[[NEW]] : tensor<1024xbf16>) outs(%[[OLD]] : tensor<1024xf32>)
// CHECK:               arith.addf
// CHECK:             %[[UPD:.+]] = tensor.insert_slice %[[SUM]] into %[[A]][%[[ROW]], 0] [1, 1024] [1, 1]
// CHECK:             scf.yield %[[UPD]]
// CHECK:         %[[OUT:.+]] = linalg.generic {{.+}} ins(%[[ACC]] : tensor<151936x1024xf32>) outs(%{{.+}} : tensor<151936x1024xbf16>)
// CHECK:           arith.truncf
// CHECK:         return %[[OUT]]
func.func @qwen3(%dy: tensor<?x?x1024xbf16>, %ids: tensor<?x?xi64>, %t: tensor<151936x1024xbf16>) -> tensor<151936x1024xbf16> {
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<?x?x1024xbf16>, tensor<?x?xi64>, tensor<151936x1024xbf16>
  return %dt : tensor<151936x1024xbf16>
}

// -----

// Rank-1 ids, f32: one loop, no final cast; a dynamic vocabulary keeps the table's type.
// CHECK-LABEL: func.func @flat
// CHECK:         tensor.dim %{{.+}}, %{{.+}} : tensor<?x16xf32>
// CHECK:         scf.for
// CHECK-NOT:       scf.for
// CHECK:           tensor.extract %{{.+}}[%{{.+}}] : tensor<5xi32>
// CHECK-NOT:     arith.truncf
// CHECK:         return %{{.+}} : tensor<?x16xf32>
func.func @flat(%dy: tensor<5x16xf32>, %ids: tensor<5xi32>, %t: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<5x16xf32>, tensor<5xi32>, tensor<?x16xf32>
  return %dt : tensor<?x16xf32>
}
