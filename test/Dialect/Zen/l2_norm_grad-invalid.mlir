// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @rank(%dy: tensor<f32>, %x: tensor<f32>) {
  // expected-error @+1 {{'zen.l2_norm_grad' op expects input to have rank >= 1 [..., D], found 'tensor<f32>' of rank 0}}
  %dx = zen.l2_norm_grad %dy, %x : tensor<f32>
  return
}

// -----

func.func @eps(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>) {
  // expected-error @+1 {{'zen.l2_norm_grad' op expects eps > 0, found -1.000000e+00 : f64}}
  %dx = zen.l2_norm_grad %dy, %x {eps = -1.0 : f64} : tensor<4x64xf32>
  return
}

// -----

func.func @types(%dy: tensor<4x64xf32>, %x: tensor<4x32xf32>) {
  // expected-error @+1 {{'zen.l2_norm_grad' op failed to verify that all of {output_grad, input, input_grad} have same type}}
  %dx = "zen.l2_norm_grad"(%dy, %x) : (tensor<4x64xf32>, tensor<4x32xf32>) -> tensor<4x64xf32>
  return
}
