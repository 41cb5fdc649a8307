// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next gated delta rule: q and k per key head (16 x 128), eps 1e-6,
// which is the default and is then not printed.
// CHECK-LABEL: func.func @delta_rule_qk
// CHECK: %[[Q:.*]] = zen.l2_norm %arg0 : tensor<?x?x16x128xf32>
// CHECK: %[[K:.*]] = zen.l2_norm %arg1 : tensor<?x?x16x128xf32>
// CHECK: return %[[Q]], %[[K]] : tensor<?x?x16x128xf32>, tensor<?x?x16x128xf32>
func.func @delta_rule_qk(%q: tensor<?x?x16x128xf32>, %k: tensor<?x?x16x128xf32>)
    -> (tensor<?x?x16x128xf32>, tensor<?x?x16x128xf32>) {
  %qn = zen.l2_norm %q : tensor<?x?x16x128xf32>
  %kn = zen.l2_norm %k {eps = 1.0e-06 : f64} : tensor<?x?x16x128xf32>
  return %qn, %kn : tensor<?x?x16x128xf32>, tensor<?x?x16x128xf32>
}

// An explicit eps, bf16, rank 1.
// CHECK-LABEL: func.func @explicit_eps
// CHECK: zen.l2_norm %arg0 {eps = 1.000000e-05 : f64} : tensor<128xbf16>
func.func @explicit_eps(%x: tensor<128xbf16>) -> tensor<128xbf16> {
  %y = zen.l2_norm %x {eps = 1.0e-05 : f64} : tensor<128xbf16>
  return %y : tensor<128xbf16>
}
