// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @weight_rank(%x: tensor<?x?x64xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.rms_norm' op expects weight to have rank 1 [D], found 'tensor<1x64xf32>' of rank 2}}
  %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @input_rank(%x: tensor<f32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm' op expects input to have rank >= 1 [..., D], found 'tensor<f32>' of rank 0}}
  %y = zen.rms_norm %x, %w : tensor<f32>, tensor<64xf32>
  return
}

// -----

func.func @width_mismatch(%x: tensor<?x?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'zen.rms_norm' op weight dim 0 (D) must match input dim 2 (D): expected 64, found 32}}
  %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @element_type(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'zen.rms_norm' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xbf16>
  return
}

// -----

func.func @eps(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'zen.rms_norm' op expects eps > 0, found 0.000000e+00 : f64}}
  %y = zen.rms_norm %x, %w {eps = 0.0 : f64} : tensor<?x64xf32>, tensor<64xf32>
  return
}
