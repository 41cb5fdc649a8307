// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next prefill: C = 8192 (q ‖ k ‖ v), K = 4, SiLU (the default, not
// printed), no incoming state.
// CHECK-LABEL: func.func @next_prefill
// CHECK: %[[Y:.*]], %[[S:.*]] = zen.causal_conv1d %arg0, %arg1 : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
// CHECK: return %[[Y]], %[[S]] : tensor<?x?x8192xbf16>, tensor<?x8192x4xbf16>
func.func @next_prefill(%x: tensor<?x?x8192xbf16>, %w: tensor<8192x1x4xbf16>)
    -> (tensor<?x?x8192xbf16>, tensor<?x8192x4xbf16>) {
  %y, %s = zen.causal_conv1d %x, %w {activation = #zen.activation<silu>}
      : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
  return %y, %s : tensor<?x?x8192xbf16>, tensor<?x8192x4xbf16>
}

// Decode step with the conv state; the state's static batch makes new_state's
// static.
// CHECK-LABEL: func.func @decode_with_state
// CHECK: %[[Y:.*]], %[[S:.*]] = zen.causal_conv1d %arg0, %arg1 state(%arg2) : tensor<?x1x8192xf32>, tensor<8192x1x4xf32>, tensor<2x8192x4xf32>
// CHECK: return %[[Y]], %[[S]] : tensor<?x1x8192xf32>, tensor<2x8192x4xf32>
func.func @decode_with_state(%x: tensor<?x1x8192xf32>, %w: tensor<8192x1x4xf32>, %s: tensor<2x8192x4xf32>)
    -> (tensor<?x1x8192xf32>, tensor<2x8192x4xf32>) {
  %y, %s1 = zen.causal_conv1d %x, %w state(%s) : tensor<?x1x8192xf32>, tensor<8192x1x4xf32>, tensor<2x8192x4xf32>
  return %y, %s1 : tensor<?x1x8192xf32>, tensor<2x8192x4xf32>
}

// No activation; the channel count comes from the weight when x's is dynamic.
// CHECK-LABEL: func.func @no_activation
// CHECK: zen.causal_conv1d %arg0, %arg1 {activation = #zen.activation<none>} : tensor<3x5x?xf32>, tensor<16x1x3xf32>
// CHECK: tensor<3x16x3xf32>
func.func @no_activation(%x: tensor<3x5x?xf32>, %w: tensor<16x1x3xf32>) -> tensor<3x16x3xf32> {
  %y, %s = zen.causal_conv1d %x, %w {activation = #zen.activation<none>} : tensor<3x5x?xf32>, tensor<16x1x3xf32>
  return %s : tensor<3x16x3xf32>
}
