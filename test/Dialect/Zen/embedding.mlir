// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B: model.embed_tokens.weight [151936, 1024], ids [B, T].
// CHECK-LABEL: func.func @embed_tokens
// CHECK: %[[X:.*]] = zen.embedding %arg0, %arg1 : tensor<?x?xi64>, tensor<151936x1024xf32>
// CHECK: return %[[X]] : tensor<?x?x1024xf32>
func.func @embed_tokens(%ids: tensor<?x?xi64>, %table: tensor<151936x1024xf32>) -> tensor<?x?x1024xf32> {
  %x = zen.embedding %ids, %table : tensor<?x?xi64>, tensor<151936x1024xf32>
  return %x : tensor<?x?x1024xf32>
}

// Qwen3-Next in bf16 with i32 ids; the result takes the table's element type.
// CHECK-LABEL: func.func @next_bf16_i32
// CHECK: zen.embedding %arg0, %arg1 : tensor<2x7xi32>, tensor<151936x2048xbf16>
func.func @next_bf16_i32(%ids: tensor<2x7xi32>, %table: tensor<151936x2048xbf16>) -> tensor<2x7x2048xbf16> {
  %x = zen.embedding %ids, %table : tensor<2x7xi32>, tensor<151936x2048xbf16>
  return %x : tensor<2x7x2048xbf16>
}

// ids of any rank: a flat token list and a single token (decode).
// CHECK-LABEL: func.func @any_rank
// CHECK: zen.embedding %arg0, %arg2 : tensor<?xi64>, tensor<64x16xf32>
// CHECK: zen.embedding %arg1, %arg2 : tensor<i64>, tensor<64x16xf32>
func.func @any_rank(%flat: tensor<?xi64>, %one: tensor<i64>, %table: tensor<64x16xf32>) -> (tensor<?x16xf32>, tensor<16xf32>) {
  %a = zen.embedding %flat, %table : tensor<?xi64>, tensor<64x16xf32>
  %b = zen.embedding %one, %table : tensor<i64>, tensor<64x16xf32>
  return %a, %b : tensor<?x16xf32>, tensor<16xf32>
}
