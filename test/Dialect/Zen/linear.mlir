// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B q_proj: hidden 1024 -> 16 heads x 128.
// CHECK-LABEL: func.func @q_proj
// CHECK: %[[Q:.*]] = zen.linear %arg0, %arg1 : tensor<?x?x1024xf32>, tensor<2048x1024xf32>
// CHECK: return %[[Q]] : tensor<?x?x2048xf32>
func.func @q_proj(%x: tensor<?x?x1024xf32>, %w: tensor<2048x1024xf32>) -> tensor<?x?x2048xf32> {
  %q = zen.linear %x, %w : tensor<?x?x1024xf32>, tensor<2048x1024xf32>
  return %q : tensor<?x?x2048xf32>
}

// PEFT LoRA, r = 8, alpha = 16.
// CHECK-LABEL: func.func @q_proj_lora
// CHECK: zen.linear %arg0, %arg1 lora(%arg2, %arg3) {lora_scale = 2.000000e+00 : f64} : tensor<?x?x1024xf32>, tensor<2048x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
func.func @q_proj_lora(%x: tensor<?x?x1024xf32>, %w: tensor<2048x1024xf32>,
                       %a: tensor<8x1024xf32>, %b: tensor<2048x8xf32>) -> tensor<?x?x2048xf32> {
  %q = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
      : tensor<?x?x1024xf32>, tensor<2048x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
  return %q : tensor<?x?x2048xf32>
}

// Rank-2 activations (tokens flattened) and bf16 weights.
// CHECK-LABEL: func.func @flat_bf16
// CHECK: zen.linear %arg0, %arg1 : tensor<?x2048xbf16>, tensor<1x2048xbf16>
func.func @flat_bf16(%x: tensor<?x2048xbf16>, %w: tensor<1x2048xbf16>) -> tensor<?x1xbf16> {
  %g = zen.linear %x, %w : tensor<?x2048xbf16>, tensor<1x2048xbf16>
  return %g : tensor<?x1xbf16>
}
