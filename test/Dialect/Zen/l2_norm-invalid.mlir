// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<f32>) {
  // expected-error @+1 {{'zen.l2_norm' op expects input to have rank >= 1 [..., D], found 'tensor<f32>' of rank 0}}
  %y = zen.l2_norm %x : tensor<f32>
  return
}

// -----

func.func @eps_zero(%x: tensor<?x128xf32>) {
  // expected-error @+1 {{'zen.l2_norm' op expects eps > 0, found 0.000000e+00 : f64}}
  %y = zen.l2_norm %x {eps = 0.0 : f64} : tensor<?x128xf32>
  return
}

// -----

func.func @eps_negative(%x: tensor<?x128xf32>) {
  // expected-error @+1 {{'zen.l2_norm' op expects eps > 0, found -1.000000e-05 : f64}}
  %y = zen.l2_norm %x {eps = -1.0e-05 : f64} : tensor<?x128xf32>
  return
}

// -----

// The result has the type of input (generic form).
func.func @result_type(%x: tensor<?x128xf32>) {
  // expected-error @+1 {{'zen.l2_norm' op failed to verify that all of {input, result} have same type}}
  %y = "zen.l2_norm"(%x) <{eps = 1.0e-06 : f64}> : (tensor<?x128xf32>) -> tensor<?x128xbf16>
  return
}
