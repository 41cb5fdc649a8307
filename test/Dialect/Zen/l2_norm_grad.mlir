// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// CHECK-LABEL: func.func @default_eps
// CHECK: zen.l2_norm_grad %arg0, %arg1 : tensor<?x?x16x128xf32>
func.func @default_eps(%dy: tensor<?x?x16x128xf32>, %x: tensor<?x?x16x128xf32>) -> tensor<?x?x16x128xf32> {
  %dx = zen.l2_norm_grad %dy, %x : tensor<?x?x16x128xf32>
  return %dx : tensor<?x?x16x128xf32>
}

// CHECK-LABEL: func.func @eps
// CHECK: zen.l2_norm_grad %arg0, %arg1 {eps = 1.000000e-05 : f64} : tensor<3x64xbf16>
func.func @eps(%dy: tensor<3x64xbf16>, %x: tensor<3x64xbf16>) -> tensor<3x64xbf16> {
  %dx = zen.l2_norm_grad %dy, %x {eps = 1.0e-05 : f64} : tensor<3x64xbf16>
  return %dx : tensor<3x64xbf16>
}
