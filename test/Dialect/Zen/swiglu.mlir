// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B MLP activation: intermediate_size 3072.
// CHECK-LABEL: func.func @qwen3_mlp_act
// CHECK: %[[H:.*]] = zen.swiglu %arg0, %arg1 : tensor<?x?x3072xf32>
// CHECK: return %[[H]] : tensor<?x?x3072xf32>
func.func @qwen3_mlp_act(%gate: tensor<?x?x3072xf32>, %up: tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32> {
  %h = zen.swiglu %gate, %up : tensor<?x?x3072xf32>
  return %h : tensor<?x?x3072xf32>
}

// A Qwen3-Next expert over flattened tokens (moe_intermediate_size 512), bf16.
// CHECK-LABEL: func.func @expert_bf16
// CHECK: zen.swiglu %arg0, %arg1 : tensor<?x512xbf16>
func.func @expert_bf16(%gate: tensor<?x512xbf16>, %up: tensor<?x512xbf16>) -> tensor<?x512xbf16> {
  %h = zen.swiglu %gate, %up : tensor<?x512xbf16>
  return %h : tensor<?x512xbf16>
}
