// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next: C = 8192 (q ‖ k ‖ v), K = 4, SiLU (the default, not printed).
// CHECK-LABEL: func.func @next
// CHECK: %[[DX:.*]] = zen.causal_conv1d_grad %arg0, %arg1, %arg2 : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
// CHECK: return %[[DX]] : tensor<?x?x8192xbf16>
func.func @next(%x: tensor<?x?x8192xbf16>, %w: tensor<8192x1x4xbf16>, %dy: tensor<?x?x8192xbf16>) -> tensor<?x?x8192xbf16> {
  %dx = zen.causal_conv1d_grad %x, %w, %dy : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
  return %dx : tensor<?x?x8192xbf16>
}

// No activation, static f32.
// CHECK-LABEL: func.func @linear
// CHECK: zen.causal_conv1d_grad %arg0, %arg1, %arg2 {activation = #zen.activation<none>} : tensor<2x70x64xf32>, tensor<64x1x4xf32>
func.func @linear(%x: tensor<2x70x64xf32>, %w: tensor<64x1x4xf32>, %dy: tensor<2x70x64xf32>) -> tensor<2x70x64xf32> {
  %dx = zen.causal_conv1d_grad %x, %w, %dy {activation = #zen.activation<none>} : tensor<2x70x64xf32>, tensor<64x1x4xf32>
  return %dx : tensor<2x70x64xf32>
}
