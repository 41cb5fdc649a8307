// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next zeroes padded tokens before a Gated-DeltaNet layer.
// CHECK-LABEL: func.func @next_padding
// CHECK: %[[H:.*]] = zen.mask_padding %arg0, %arg1 : tensor<?x?x2048xbf16>, tensor<?x?xi64>
// CHECK: return %[[H]]
func.func @next_padding(%x: tensor<?x?x2048xbf16>, %m: tensor<?x?xi64>) -> tensor<?x?x2048xbf16> {
  %h = zen.mask_padding %x, %m : tensor<?x?x2048xbf16>, tensor<?x?xi64>
  return %h : tensor<?x?x2048xbf16>
}

// CHECK-LABEL: func.func @bool_mask_per_head
// CHECK: zen.mask_padding %arg0, %arg1 : tensor<2x5x4x8xf32>, tensor<2x5xi1>
func.func @bool_mask_per_head(%x: tensor<2x5x4x8xf32>, %m: tensor<2x5xi1>) -> tensor<2x5x4x8xf32> {
  %h = zen.mask_padding %x, %m : tensor<2x5x4x8xf32>, tensor<2x5xi1>
  return %h : tensor<2x5x4x8xf32>
}
