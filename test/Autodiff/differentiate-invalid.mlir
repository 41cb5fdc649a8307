// RUN: zen-opt %s --zen-differentiate --split-input-file -verify-diagnostics

func.func @no_vjp(%x: tensor<4xf32>) -> tensor<4xf32> attributes {zen.differentiate} {
  // expected-error @below {{cannot differentiate 'math.exp': it has no vector-Jacobian product (DifferentiableOpInterface)}}
  %y = math.exp %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func private @external(%x: tensor<4xf32>) -> tensor<4xf32>
func.func @opaque_call(%x: tensor<4xf32>) -> tensor<4xf32> attributes {zen.differentiate} {
  // expected-error @below {{cannot differentiate a call to 'external': no body}}
  %y = call @external(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
