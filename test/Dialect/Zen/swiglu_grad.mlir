// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// CHECK-LABEL: func.func @both
// CHECK: = zen.swiglu_grad %arg0, %arg1, %arg2 : tensor<?x?x3072xf32> -> gate_grad(tensor<?x?x3072xf32>) up_grad(tensor<?x?x3072xf32>)
func.func @both(%dh: tensor<?x?x3072xf32>, %g: tensor<?x?x3072xf32>, %u: tensor<?x?x3072xf32>)
    -> (tensor<?x?x3072xf32>, tensor<?x?x3072xf32>) {
  %dg, %du = zen.swiglu_grad %dh, %g, %u : tensor<?x?x3072xf32>
      -> gate_grad(tensor<?x?x3072xf32>) up_grad(tensor<?x?x3072xf32>)
  return %dg, %du : tensor<?x?x3072xf32>, tensor<?x?x3072xf32>
}

// CHECK-LABEL: func.func @up_only
// CHECK: zen.swiglu_grad %arg0, %arg1, %arg2 : tensor<4x8xbf16> -> up_grad(tensor<4x8xbf16>)
func.func @up_only(%dh: tensor<4x8xbf16>, %g: tensor<4x8xbf16>, %u: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %du = zen.swiglu_grad %dh, %g, %u : tensor<4x8xbf16> -> up_grad(tensor<4x8xbf16>)
  return %du : tensor<4x8xbf16>
}
