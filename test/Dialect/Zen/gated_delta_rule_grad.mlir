// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next prefill backward: Hk = 16, Hv = 32, dk = dv = 128, no state.
// CHECK-LABEL: func.func @next
// CHECK: %[[DQ:[^ ]*]], %[[DK:[^ ]*]], %[[DV:[^ ]*]], %[[DG:[^ ]*]], %[[DB:[^ ]*]] = zen.gated_delta_rule_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 {use_qk_l2norm} : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
// CHECK: return %[[DQ]], %[[DK]], %[[DV]], %[[DG]], %[[DB]]
func.func @next(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x32x128xbf16>,
                %g: tensor<?x?x32xf32>, %beta: tensor<?x?x32xf32>, %do: tensor<?x?x32x128xbf16>)
    -> (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %dq, %dk, %dv, %dg, %db = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %do {use_qk_l2norm}
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
  return %dq, %dk, %dv, %dg, %db
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// With an initial state (a sixth result, its cotangent) and a final-state
// cotangent; chunk size and scale given.
// CHECK-LABEL: func.func @states
// CHECK: %{{.*}}, %[[DS0:[^ ]*]] = zen.gated_delta_rule_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 initial_state(%arg6 : tensor<2x4x16x8xf32>) final_state_grad(%arg7 : tensor<2x4x16x8xf32>) {chunk_size = 32 : i64, scale = 2.500000e-01 : f64} : tensor<2x70x2x16xf32>, tensor<2x70x2x16xf32>, tensor<2x70x4x8xf32>, tensor<2x70x4xf32>, tensor<2x70x4xf32>
// CHECK: return %[[DS0]] : tensor<2x4x16x8xf32>
func.func @states(%q: tensor<2x70x2x16xf32>, %k: tensor<2x70x2x16xf32>, %v: tensor<2x70x4x8xf32>,
                  %g: tensor<2x70x4xf32>, %beta: tensor<2x70x4xf32>, %do: tensor<2x70x4x8xf32>,
                  %s0: tensor<2x4x16x8xf32>, %ds: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %do initial_state(%s0 : tensor<2x4x16x8xf32>)
      final_state_grad(%ds : tensor<2x4x16x8xf32>) {chunk_size = 32 : i64, scale = 0.25 : f64}
      : tensor<2x70x2x16xf32>, tensor<2x70x2x16xf32>, tensor<2x70x4x8xf32>, tensor<2x70x4xf32>, tensor<2x70x4xf32>
  return %r#5 : tensor<2x4x16x8xf32>
}

// Only a final-state cotangent: five results.
// CHECK-LABEL: func.func @final_only
// CHECK: zen.gated_delta_rule_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5 final_state_grad(%arg6 : tensor<?x4x16x8xf32>) :
func.func @final_only(%q: tensor<?x?x2x16xf32>, %k: tensor<?x?x2x16xf32>, %v: tensor<?x?x4x8xf32>,
                      %g: tensor<?x?x4xf32>, %beta: tensor<?x?x4xf32>, %do: tensor<?x?x4x8xf32>,
                      %ds: tensor<?x4x16x8xf32>) -> tensor<?x?x4xf32> {
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %do final_state_grad(%ds : tensor<?x4x16x8xf32>)
      : tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4xf32>, tensor<?x?x4xf32>
  return %r#3 : tensor<?x?x4xf32>
}
