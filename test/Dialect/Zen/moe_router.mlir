// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Omni thinker: 128 experts, 8 per token, renormalised.
// CHECK-LABEL: func.func @omni_router
// CHECK: %[[W:.*]], %[[I:.*]] = zen.moe_router %arg0, %arg1 {norm_topk_prob, top_k = 8 : i64} : tensor<?x?x2048xf32>, tensor<128x2048xf32>
// CHECK: return %[[W]], %[[I]] : tensor<?x?x8xf32>, tensor<?x?x8xi64>
func.func @omni_router(%x: tensor<?x?x2048xf32>, %router: tensor<128x2048xf32>)
    -> (tensor<?x?x8xf32>, tensor<?x?x8xi64>) {
  %w, %idx = zen.moe_router %x, %router {top_k = 8 : i64, norm_topk_prob}
      : tensor<?x?x2048xf32>, tensor<128x2048xf32>
  return %w, %idx : tensor<?x?x8xf32>, tensor<?x?x8xi64>
}

// Weights are f32 whatever the model dtype; tokens flattened; no renormalisation.
// CHECK-LABEL: func.func @bf16_flat
// CHECK: zen.moe_router %arg0, %arg1 {top_k = 10 : i64} : tensor<16x2048xbf16>, tensor<512x2048xbf16>
// CHECK: return %{{.*}}, %{{.*}} : tensor<16x10xf32>, tensor<16x10xi64>
func.func @bf16_flat(%x: tensor<16x2048xbf16>, %router: tensor<512x2048xbf16>)
    -> (tensor<16x10xf32>, tensor<16x10xi64>) {
  %w, %idx = zen.moe_router %x, %router {top_k = 10 : i64} : tensor<16x2048xbf16>, tensor<512x2048xbf16>
  return %w, %idx : tensor<16x10xf32>, tensor<16x10xi64>
}

// top_k may equal E (dense routing), and E may be dynamic.
// CHECK-LABEL: func.func @all_experts
// CHECK: zen.moe_router %arg0, %arg1 {top_k = 4 : i64} : tensor<2x3x64xf32>, tensor<4x64xf32>
// CHECK: zen.moe_router %arg0, %arg2 {top_k = 2 : i64} : tensor<2x3x64xf32>, tensor<?x64xf32>
func.func @all_experts(%x: tensor<2x3x64xf32>, %router: tensor<4x64xf32>, %dyn: tensor<?x64xf32>) {
  %w, %idx = zen.moe_router %x, %router {top_k = 4 : i64} : tensor<2x3x64xf32>, tensor<4x64xf32>
  %w2, %idx2 = zen.moe_router %x, %dyn {top_k = 2 : i64} : tensor<2x3x64xf32>, tensor<?x64xf32>
  return
}
