// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next: 32 value heads, bf16 activations, A_log kept in f32.
// CHECK-LABEL: func.func @next
// CHECK: %[[G:.*]], %[[B:.*]] = zen.gdn_gates %arg0, %arg1, %arg2, %arg3 : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>
// CHECK: return %[[G]], %[[B]] : tensor<?x?x32xf32>, tensor<?x?x32xf32>
func.func @next(%a: tensor<?x?x32xbf16>, %b: tensor<?x?x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xbf16>)
    -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>
  return %g, %beta : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// All f32, static.
// CHECK-LABEL: func.func @static_f32
// CHECK: zen.gdn_gates %arg0, %arg1, %arg2, %arg3 : tensor<2x7x4xf32>, tensor<4xf32>, tensor<4xf32>
func.func @static_f32(%a: tensor<2x7x4xf32>, %b: tensor<2x7x4xf32>, %A_log: tensor<4xf32>, %dt_bias: tensor<4xf32>)
    -> (tensor<2x7x4xf32>, tensor<2x7x4xf32>) {
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<2x7x4xf32>, tensor<4xf32>, tensor<4xf32>
  return %g, %beta : tensor<2x7x4xf32>, tensor<2x7x4xf32>
}
