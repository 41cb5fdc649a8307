// RUN: zen-opt %s --convert-zen-to-linalg | FileCheck %s --implicit-check-not=zen.rope_grad --implicit-check-not=zen.rope

// The inverse rotation: positions negated, then the forward RoPE lowering
// (cos/sin tables and the rotate_half generic).

// CHECK-LABEL: func.func @partial
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x?x16x256xf32>, %[[POS:[^:]+]]: tensor<?x?xi64>
// CHECK:         %[[NEG:.+]] = linalg.generic {{.+}} ins(%[[POS]] : tensor<?x?xi64>) outs(%{{.+}} : tensor<?x?xi64>)
// CHECK:           %[[ZERO:.+]] = arith.constant 0 : i64
// CHECK:           arith.subi %[[ZERO]], %{{.+}} : i64
// CHECK:         linalg.generic {{.+}} ins(%[[NEG]], %{{.+}} : tensor<?x?xi64>, tensor<32xf32>)
// CHECK:           math.cos
// CHECK:           math.sin
// CHECK:         %[[DX:.+]] = linalg.generic {{.+}} ins(%[[DY]] : tensor<?x?x16x256xf32>)
// CHECK:         return %[[DX]]
func.func @partial(%dy: tensor<?x?x16x256xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x16x256xf32> {
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 1.0e+07 : f64} : tensor<?x?x16x256xf32>, tensor<?x?xi64>
  return %dx : tensor<?x?x16x256xf32>
}
