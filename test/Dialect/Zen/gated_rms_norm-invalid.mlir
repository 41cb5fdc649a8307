// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<bf16>, %z: tensor<bf16>, %w: tensor<128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm' op expects input to have rank >= 1 [..., D], found 'tensor<bf16>' of rank 0}}
  %y = zen.gated_rms_norm %x, %z, %w : tensor<bf16>, tensor<128xbf16>
  return
}

// -----

func.func @weight_rank(%x: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<32x128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm' op expects weight to have rank 1 [D], found 'tensor<32x128xbf16>' of rank 2}}
  %y = zen.gated_rms_norm %x, %z, %w : tensor<?x?x32x128xbf16>, tensor<32x128xbf16>
  return
}

// -----

func.func @width(%x: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm' op weight dim 0 (D) must match input dim 3 (D): expected 128, found 64}}
  %y = zen.gated_rms_norm %x, %z, %w : tensor<?x?x32x128xbf16>, tensor<64xbf16>
  return
}

// -----

func.func @element_type(%x: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xf32>) {
  // expected-error @+1 {{'zen.gated_rms_norm' op expects weight and input to have the same element type, found 'f32' and 'bf16'}}
  %y = zen.gated_rms_norm %x, %z, %w : tensor<?x?x32x128xbf16>, tensor<128xf32>
  return
}

// -----

func.func @eps(%x: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm' op expects eps > 0, found 0.000000e+00 : f64}}
  %y = zen.gated_rms_norm %x, %z, %w {eps = 0.0 : f64} : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return
}

// -----

func.func @gate_type(%x: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xf32>, %w: tensor<128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm' op failed to verify that all of {input, gate, result} have same type}}
  %y = "zen.gated_rms_norm"(%x, %z, %w) : (tensor<?x?x32x128xbf16>, tensor<?x?x32x128xf32>, tensor<128xbf16>) -> tensor<?x?x32x128xbf16>
  return
}
