// RUN: zen-opt %s --convert-zen-to-linalg | FileCheck %s --implicit-check-not=zen.l2_norm_grad

// Σx² and Σ dy x per row (f32), then dx = r dy − x r³ Σ dy x.

// CHECK-LABEL: func.func @qk
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x?x16x128xf32>, %[[X:[^:]+]]: tensor<?x?x16x128xf32>
// CHECK:         %[[SS:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]] :
// CHECK:         %[[C:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[DY]], %[[X]] :
// CHECK:         %[[DX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[DY]], %[[X]], %[[SS]], %[[C]] :
// CHECK:           arith.constant 9.99999997E-7 : f32
// CHECK:           math.rsqrt
// CHECK:         return %[[DX]]
func.func @qk(%dy: tensor<?x?x16x128xf32>, %x: tensor<?x?x16x128xf32>) -> tensor<?x?x16x128xf32> {
  %dx = zen.l2_norm_grad %dy, %x : tensor<?x?x16x128xf32>
  return %dx : tensor<?x?x16x128xf32>
}
