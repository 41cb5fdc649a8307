// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next linear_attn.A_log (f32) and dt_bias (bf16), Hv = 32.
// CHECK-LABEL: func.func @next
// CHECK: %[[DA:.*]], %[[DDT:.*]] = zen.gdn_gates_param_grad %arg0, %arg1, %arg2, %arg3 : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
// CHECK: return %[[DA]], %[[DDT]] : tensor<32xf32>, tensor<32xbf16>
func.func @next(%a: tensor<?x?x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xbf16>, %dg: tensor<?x?x32xf32>)
    -> (tensor<32xf32>, tensor<32xbf16>) {
  %dA, %ddt = zen.gdn_gates_param_grad %a, %A_log, %dt_bias, %dg
      : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
  return %dA, %ddt : tensor<32xf32>, tensor<32xbf16>
}
