// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<bf16>, %w: tensor<128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm_weight_grad' op expects input to have rank >= 1 [..., D], found 'tensor<bf16>' of rank 0}}
  %r = zen.gated_rms_norm_weight_grad %x, %x, %w, %x : tensor<bf16>, tensor<128xbf16>
  return
}

// -----

func.func @weight_rank(%x: tensor<?x?x32x128xbf16>, %w: tensor<32x128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm_weight_grad' op expects weight to have rank 1 [D], found 'tensor<32x128xbf16>' of rank 2}}
  %r = zen.gated_rms_norm_weight_grad %x, %x, %w, %x : tensor<?x?x32x128xbf16>, tensor<32x128xbf16>
  return
}

// -----

func.func @width(%x: tensor<?x?x32x128xbf16>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm_weight_grad' op weight dim 0 (D) must match input dim 3 (D): expected 128, found 64}}
  %r = zen.gated_rms_norm_weight_grad %x, %x, %w, %x : tensor<?x?x32x128xbf16>, tensor<64xbf16>
  return
}

// -----

func.func @element_type(%x: tensor<?x?x32x128xbf16>, %w: tensor<128xf32>) {
  // expected-error @+1 {{'zen.gated_rms_norm_weight_grad' op expects weight and input to have the same element type, found 'f32' and 'bf16'}}
  %r = zen.gated_rms_norm_weight_grad %x, %x, %w, %x : tensor<?x?x32x128xbf16>, tensor<128xf32>
  return
}

// -----

func.func @eps(%x: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>) {
  // expected-error @+1 {{'zen.gated_rms_norm_weight_grad' op expects eps > 0, found 0.000000e+00 : f64}}
  %r = zen.gated_rms_norm_weight_grad %x, %x, %w, %x {eps = 0.0 : f64} : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return
}

// -----

func.func @out_grad_type(%x: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>, %dy: tensor<?x?x32x128xf32>) {
  // expected-error @+1 {{'zen.gated_rms_norm_weight_grad' op failed to verify that all of}}
  %r = "zen.gated_rms_norm_weight_grad"(%x, %x, %w, %dy) : (tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>, tensor<128xbf16>, tensor<?x?x32x128xf32>) -> tensor<128xbf16>
  return
}
