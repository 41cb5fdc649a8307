// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B's embedding table trained in full.
// CHECK-LABEL: func.func @qwen3
// CHECK: zen.embedding_grad %arg0, %arg1, %arg2 : tensor<?x?x1024xf32>, tensor<?x?xi64>, tensor<151936x1024xf32>
func.func @qwen3(%dy: tensor<?x?x1024xf32>, %ids: tensor<?x?xi64>, %t: tensor<151936x1024xf32>) -> tensor<151936x1024xf32> {
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<?x?x1024xf32>, tensor<?x?xi64>, tensor<151936x1024xf32>
  return %dt : tensor<151936x1024xf32>
}

// CHECK-LABEL: func.func @flat_i32
// CHECK: zen.embedding_grad %arg0, %arg1, %arg2 : tensor<5x16xbf16>, tensor<5xi32>, tensor<?x16xbf16>
func.func @flat_i32(%dy: tensor<5x16xbf16>, %ids: tensor<5xi32>, %t: tensor<?x16xbf16>) -> tensor<?x16xbf16> {
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<5x16xbf16>, tensor<5xi32>, tensor<?x16xbf16>
  return %dt : tensor<?x16xbf16>
}
