// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next prefill: Hk = 16, Hv = 32, dk = dv = 128, chunked (default, 64),
// in-kernel L2 norm, no initial state.
// CHECK-LABEL: func.func @next_prefill
// CHECK: %[[O:.*]], %[[S:.*]] = zen.gated_delta_rule %arg0, %arg1, %arg2, %arg3, %arg4 {use_qk_l2norm} : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
// CHECK: return %[[O]], %[[S]] : tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>
func.func @next_prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x32x128xbf16>,
                        %g: tensor<?x?x32xf32>, %beta: tensor<?x?x32xf32>)
    -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>) {
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta {mode = #zen.delta_rule_mode<chunked>, chunk_size = 64 : i64, use_qk_l2norm}
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
  return %o, %s : tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>
}

// Decode step: recurrent mode from the cached state.
// CHECK-LABEL: func.func @next_decode
// CHECK: %[[O:.*]], %[[S:.*]] = zen.gated_delta_rule %arg0, %arg1, %arg2, %arg3, %arg4 initial_state(%arg5) {mode = #zen.delta_rule_mode<recurrent>, use_qk_l2norm} : tensor<1x1x16x128xbf16>, tensor<1x1x16x128xbf16>, tensor<1x1x32x128xbf16>, tensor<1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x32x128x128xf32>
// CHECK: return %[[O]], %[[S]] : tensor<1x1x32x128xbf16>, tensor<1x32x128x128xf32>
func.func @next_decode(%q: tensor<1x1x16x128xbf16>, %k: tensor<1x1x16x128xbf16>, %v: tensor<1x1x32x128xbf16>,
                       %g: tensor<1x1x32xf32>, %beta: tensor<1x1x32xf32>, %s0: tensor<1x32x128x128xf32>)
    -> (tensor<1x1x32x128xbf16>, tensor<1x32x128x128xf32>) {
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s0)
      {mode = #zen.delta_rule_mode<recurrent>, use_qk_l2norm}
      : tensor<1x1x16x128xbf16>, tensor<1x1x16x128xbf16>, tensor<1x1x32x128xbf16>, tensor<1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x32x128x128xf32>
  return %o, %s : tensor<1x1x32x128xbf16>, tensor<1x32x128x128xf32>
}

// Small chunks, explicit scale, dk != dv, f32; final_state takes its batch
// from v when q's is dynamic.
// CHECK-LABEL: func.func @small
// CHECK: zen.gated_delta_rule %arg0, %arg1, %arg2, %arg3, %arg4 {chunk_size = 16 : i64, scale = 2.500000e-01 : f64} : tensor<?x10x2x16xf32>, tensor<?x10x2x16xf32>, tensor<3x10x4x8xf32>, tensor<3x10x4xf32>, tensor<3x10x4xf32>
// CHECK: tensor<3x4x16x8xf32>
func.func @small(%q: tensor<?x10x2x16xf32>, %k: tensor<?x10x2x16xf32>, %v: tensor<3x10x4x8xf32>,
                 %g: tensor<3x10x4xf32>, %beta: tensor<3x10x4xf32>) -> tensor<3x4x16x8xf32> {
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta {chunk_size = 16 : i64, scale = 0.25 : f64}
      : tensor<?x10x2x16xf32>, tensor<?x10x2x16xf32>, tensor<3x10x4x8xf32>, tensor<3x10x4xf32>, tensor<3x10x4xf32>
  return %s : tensor<3x4x16x8xf32>
}
