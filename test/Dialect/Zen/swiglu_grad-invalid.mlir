// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @no_result(%dh: tensor<4x8xf32>, %g: tensor<4x8xf32>, %u: tensor<4x8xf32>) {
  // expected-error @+1 {{'zen.swiglu_grad' op expects at least one gradient result}}
  zen.swiglu_grad %dh, %g, %u : tensor<4x8xf32> ->
  return
}

// -----

func.func @gate_grad_type(%dh: tensor<4x8xf32>, %g: tensor<4x8xf32>, %u: tensor<4x8xf32>) {
  // expected-error @+1 {{'zen.swiglu_grad' op expects gate_grad to have the type of gate: expected 'tensor<4x8xf32>', found 'tensor<4x8xbf16>'}}
  %dg = zen.swiglu_grad %dh, %g, %u : tensor<4x8xf32> -> gate_grad(tensor<4x8xbf16>)
  return
}

// -----

func.func @up_grad_type(%dh: tensor<4x8xf32>, %g: tensor<4x8xf32>, %u: tensor<4x8xf32>) {
  // expected-error @+1 {{'zen.swiglu_grad' op expects up_grad to have the type of up: expected 'tensor<4x8xf32>', found 'tensor<8x4xf32>'}}
  %du = zen.swiglu_grad %dh, %g, %u : tensor<4x8xf32> -> up_grad(tensor<8x4xf32>)
  return
}

// -----

func.func @operand_types(%dh: tensor<4x8xf32>, %g: tensor<4x8xf32>, %u: tensor<4x9xf32>) {
  // expected-error @+1 {{'zen.swiglu_grad' op failed to verify that all of {output_grad, gate, up} have same type}}
  %du = "zen.swiglu_grad"(%dh, %g, %u) <{resultSegmentSizes = array<i32: 0, 1>}> : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x9xf32>) -> tensor<4x8xf32>
  return
}
