// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next: Hv = 32, bf16 projections, A_log stored in f32.
// CHECK-LABEL: func.func @next
// CHECK: %[[DA:.*]], %[[DB:.*]] = zen.gdn_gates_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
// CHECK: return %[[DA]], %[[DB]] : tensor<?x?x32xbf16>, tensor<?x?x32xbf16>
func.func @next(%a: tensor<?x?x32xbf16>, %b: tensor<?x?x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xbf16>,
                %dg: tensor<?x?x32xf32>, %dbeta: tensor<?x?x32xf32>) -> (tensor<?x?x32xbf16>, tensor<?x?x32xbf16>) {
  %da, %db = zen.gdn_gates_grad %a, %b, %A_log, %dt_bias, %dg, %dbeta
      : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
  return %da, %db : tensor<?x?x32xbf16>, tensor<?x?x32xbf16>
}

// CHECK-LABEL: func.func @static
// CHECK: zen.gdn_gates_grad %arg0, %arg0, %arg1, %arg1, %arg2, %arg2 : tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x5x4xf32>
func.func @static(%a: tensor<2x5x4xf32>, %w: tensor<4xf32>, %d: tensor<2x5x4xf32>) -> tensor<2x5x4xf32> {
  %da, %db = zen.gdn_gates_grad %a, %a, %w, %w, %d, %d : tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x5x4xf32>
  return %da : tensor<2x5x4xf32>
}
