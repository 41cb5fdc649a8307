// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @max_norm(%g: tensor<8x1024xf32>) {
  // expected-error @+1 {{'zen.clip_grad_norm' op expects max_norm > 0, found 0.000000e+00 : f64}}
  %c, %n = zen.clip_grad_norm %g {max_norm = 0.0 : f64} : tensor<8x1024xf32>
  return
}

// -----

func.func @missing_max_norm(%g: tensor<8x1024xf32>) {
  // expected-error @+1 {{'zen.clip_grad_norm' op requires attribute 'max_norm'}}
  %c, %n = zen.clip_grad_norm %g : tensor<8x1024xf32>
  return
}

// -----

// The custom syntax needs a type per gradient; the generic form can have none.
func.func @no_gradients() {
  // expected-error @+1 {{'zen.clip_grad_norm' op expects at least one gradient}}
  %n = "zen.clip_grad_norm"() <{max_norm = 1.0 : f64}> : () -> tensor<f32>
  return
}

// -----

// Each clipped tensor has its gradient's type.
func.func @clipped_type(%g: tensor<8x1024xf32>) {
  // expected-error @+2 {{'zen.clip_grad_norm' op failed to infer returned types}}
  // expected-error @+1 {{'zen.clip_grad_norm' op inferred type(s) 'tensor<8x1024xf32>', 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<8x1024xbf16>', 'tensor<f32>'}}
  %c:2 = "zen.clip_grad_norm"(%g) <{max_norm = 1.0 : f64}> : (tensor<8x1024xf32>) -> (tensor<8x1024xbf16>, tensor<f32>)
  return
}
