// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<9x64xf32>, %w: tensor<64x1x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op expects input to have rank 3 [B, T, C], found 'tensor<9x64xf32>' of rank 2}}
  %r = zen.causal_conv1d_weight_grad %x, %w, %x : tensor<9x64xf32>, tensor<64x1x4xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<2x9x64xf32>, %w: tensor<64x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op expects weight to have rank 3 [C, 1, K], found 'tensor<64x4xf32>' of rank 2}}
  %r = zen.causal_conv1d_weight_grad %x, %w, %x : tensor<2x9x64xf32>, tensor<64x4xf32>
  return
}

// -----

func.func @element_type(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xbf16>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %r = zen.causal_conv1d_weight_grad %x, %w, %x : tensor<2x9x64xf32>, tensor<64x1x4xbf16>
  return
}

// -----

func.func @channels(%x: tensor<2x9x64xf32>, %w: tensor<32x1x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op weight dim 0 (C) must match input dim 2 (C): expected 64, found 32}}
  %r = zen.causal_conv1d_weight_grad %x, %w, %x : tensor<2x9x64xf32>, tensor<32x1x4xf32>
  return
}

// -----

func.func @not_depthwise(%x: tensor<2x9x64xf32>, %w: tensor<64x2x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op weight dim 1 (depthwise): expected 1, found 2}}
  %r = zen.causal_conv1d_weight_grad %x, %w, %x : tensor<2x9x64xf32>, tensor<64x2x4xf32>
  return
}

// -----

func.func @activation(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op expects activation none or silu, found gelu}}
  %r = zen.causal_conv1d_weight_grad %x, %w, %x {activation = #zen.activation<gelu>} : tensor<2x9x64xf32>, tensor<64x1x4xf32>
  return
}

// -----

func.func @out_grad_type(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d_weight_grad' op failed to verify that all of}}
  %r = "zen.causal_conv1d_weight_grad"(%x, %w, %dy) : (tensor<2x9x64xf32>, tensor<64x1x4xf32>, tensor<2x8x64xf32>) -> tensor<64x1x4xf32>
  return
}
