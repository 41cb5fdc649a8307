// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next conv1d.weight [8192, 1, 4].
// CHECK-LABEL: func.func @next
// CHECK: %[[DW:.*]] = zen.causal_conv1d_weight_grad %arg0, %arg1, %arg2 : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
// CHECK: return %[[DW]] : tensor<8192x1x4xbf16>
func.func @next(%x: tensor<?x?x8192xbf16>, %w: tensor<8192x1x4xbf16>, %dy: tensor<?x?x8192xbf16>) -> tensor<8192x1x4xbf16> {
  %dw = zen.causal_conv1d_weight_grad %x, %w, %dy : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
  return %dw : tensor<8192x1x4xbf16>
}

// CHECK-LABEL: func.func @linear
// CHECK: zen.causal_conv1d_weight_grad %arg0, %arg1, %arg2 {activation = #zen.activation<none>} : tensor<2x70x64xf32>, tensor<64x1x3xf32>
func.func @linear(%x: tensor<2x70x64xf32>, %w: tensor<64x1x3xf32>, %dy: tensor<2x70x64xf32>) -> tensor<64x1x3xf32> {
  %dw = zen.causal_conv1d_weight_grad %x, %w, %dy {activation = #zen.activation<none>} : tensor<2x70x64xf32>, tensor<64x1x3xf32>
  return %dw : tensor<64x1x3xf32>
}
