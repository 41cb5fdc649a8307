// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @no_result(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects at least one gradient result}}
  zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xf32> ->
  return
}

// -----

func.func @weight_rank(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects weight to have rank 1 [D], found 'tensor<1x64xf32>' of rank 2}}
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<1x64xf32> -> input_grad(tensor<4x64xf32>)
  return
}

// -----

func.func @input_rank(%dy: tensor<f32>, %x: tensor<f32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects input to have rank >= 1 [..., D], found 'tensor<f32>' of rank 0}}
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<f32>, tensor<f32>, tensor<64xf32> -> input_grad(tensor<f32>)
  return
}

// -----

func.func @width(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op weight dim 0 (D) must match input dim 1 (D): expected 64, found 32}}
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<32xf32> -> input_grad(tensor<4x64xf32>)
  return
}

// -----

func.func @element_type(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xbf16> -> input_grad(tensor<4x64xf32>)
  return
}

// -----

func.func @eps(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects eps > 0, found 0.000000e+00 : f64}}
  %dx = zen.rms_norm_grad %dy, %x, %w {eps = 0.0 : f64} : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xf32> -> input_grad(tensor<4x64xf32>)
  return
}

// -----

func.func @output_grad(%dy: tensor<5x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects output_grad to have the shape and element type of the forward result: expected 'tensor<4x64xf32>', found 'tensor<5x64xf32>'}}
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<5x64xf32>, tensor<4x64xf32>, tensor<64xf32> -> input_grad(tensor<4x64xf32>)
  return
}

// -----

func.func @input_grad_type(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects input_grad to have the type of input: expected 'tensor<4x64xf32>', found 'tensor<?x64xf32>'}}
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xf32> -> input_grad(tensor<?x64xf32>)
  return
}

// -----

func.func @weight_grad_type(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm_grad' op expects weight_grad to have the type of weight: expected 'tensor<64xf32>', found 'tensor<64xbf16>'}}
  %dw = zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xf32> -> weight_grad(tensor<64xbf16>)
  return
}
