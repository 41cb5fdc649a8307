// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.swiglu_grad

// One elementwise generic per wanted gradient (f32 math, one rounding).

// CHECK-LABEL: func.func @both
// CHECK-SAME:    %[[DH:[^:]+]]: tensor<?x?x3072xbf16>, %[[G:[^:]+]]: tensor<?x?x3072xbf16>, %[[U:[^:]+]]: tensor<?x?x3072xbf16>
// CHECK:         %[[DG:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[DH]], %[[G]], %[[U]] : {{.+}}) outs(%{{.+}} : tensor<?x?x3072xbf16>)
// CHECK:           math.exp
// CHECK:           arith.subf
// CHECK:           arith.truncf
// CHECK:         %[[DU:.+]] = linalg.generic {{.+}} ins(%[[DH]], %[[G]], %[[U]] : {{.+}}) outs(%{{.+}} : tensor<?x?x3072xbf16>)
// CHECK:           math.exp
// CHECK:           arith.truncf
// CHECK:         return %[[DG]], %[[DU]]
func.func @both(%dh: tensor<?x?x3072xbf16>, %g: tensor<?x?x3072xbf16>, %u: tensor<?x?x3072xbf16>)
    -> (tensor<?x?x3072xbf16>, tensor<?x?x3072xbf16>) {
  %dg, %du = zen.swiglu_grad %dh, %g, %u : tensor<?x?x3072xbf16>
      -> gate_grad(tensor<?x?x3072xbf16>) up_grad(tensor<?x?x3072xbf16>)
  return %dg, %du : tensor<?x?x3072xbf16>, tensor<?x?x3072xbf16>
}

// -----

// CHECK-LABEL: func.func @up_only
// CHECK:         %[[R:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<4x8xf32>)
// CHECK:         return %[[R]]
func.func @up_only(%dh: tensor<4x8xf32>, %g: tensor<4x8xf32>, %u: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %du = zen.swiglu_grad %dh, %g, %u : tensor<4x8xf32> -> up_grad(tensor<4x8xf32>)
  return %du : tensor<4x8xf32>
}
