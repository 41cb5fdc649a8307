// RUN: zen-opt %s --zen-differentiate --split-input-file | FileCheck %s

// A product: d x = dy * w; w is zen.no_grad, so only one gradient.
// CHECK-LABEL: func.func @mul_vjp(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>, %[[W:.*]]: tensor<4xf32> {zen.no_grad}, %[[DY:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK:         arith.mulf %[[X]], %[[W]]
// CHECK:         %[[DX:.*]] = arith.mulf %[[DY]], %[[W]]
// CHECK:         return %[[DX]]
func.func @mul(%x: tensor<4xf32>, %w: tensor<4xf32> {zen.no_grad}) -> tensor<4xf32>
    attributes {zen.differentiate} {
  %y = arith.mulf %x, %w : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Two uses of x: the cotangents are summed. Calls get one private backward
// function per callee and activity pattern, shared by both calls.
// CHECK-LABEL: func.func private @layer_vjp(
// CHECK-SAME:    -> tensor<2xf32>
// CHECK-LABEL: func.func @twice_vjp(
// CHECK:         call @layer(
// CHECK:         call @layer(
// CHECK:         call @layer_vjp(
// CHECK:         call @layer_vjp(
// CHECK-NOT:     call @layer_vjp_
// CHECK:         arith.addf
func.func private @layer(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = arith.mulf %x, %x : tensor<2xf32>
  return %y : tensor<2xf32>
}
func.func @twice(%x: tensor<2xf32>) -> tensor<2xf32> attributes {zen.differentiate} {
  %a = call @layer(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %b = call @layer(%a) : (tensor<2xf32>) -> tensor<2xf32>
  %c = arith.addf %b, %x : tensor<2xf32>
  return %c : tensor<2xf32>
}

// -----

// An argument nothing depends on gets a zero gradient; integer arguments
// get none.
// CHECK-LABEL: func.func @unused_vjp(
// CHECK-SAME:    %{{.*}}: tensor<3xf32>, %{{.*}}: tensor<3xi64>, %{{.*}}: tensor<3xf32>) -> tensor<3xf32>
// CHECK:         linalg.fill
func.func @unused(%x: tensor<3xf32>, %ids: tensor<3xi64>) -> tensor<3xf32>
    attributes {zen.differentiate} {
  %c = arith.constant dense<1.0> : tensor<3xf32>
  return %c : tensor<3xf32>
}
