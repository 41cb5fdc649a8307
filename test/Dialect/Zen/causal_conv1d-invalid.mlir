// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<9x64xf32>, %w: tensor<64x1x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op expects input to have rank 3 [B, T, C], found 'tensor<9x64xf32>' of rank 2}}
  %y, %ns = zen.causal_conv1d %x, %w : tensor<9x64xf32>, tensor<64x1x4xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<2x9x64xf32>, %w: tensor<64x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op expects weight to have rank 3 [C, 1, K], found 'tensor<64x4xf32>' of rank 2}}
  %y, %ns = zen.causal_conv1d %x, %w : tensor<2x9x64xf32>, tensor<64x4xf32>
  return
}

// -----

func.func @weight_element_type(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xbf16>) {
  // expected-error @+1 {{'zen.causal_conv1d' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %y, %ns = zen.causal_conv1d %x, %w : tensor<2x9x64xf32>, tensor<64x1x4xbf16>
  return
}

// -----

func.func @channels(%x: tensor<2x9x64xf32>, %w: tensor<32x1x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op weight dim 0 (C) must match input dim 2 (C): expected 64, found 32}}
  %y, %ns = zen.causal_conv1d %x, %w : tensor<2x9x64xf32>, tensor<32x1x4xf32>
  return
}

// -----

func.func @not_depthwise(%x: tensor<2x9x64xf32>, %w: tensor<64x2x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op weight dim 1 (depthwise): expected 1, found 2}}
  %y, %ns = zen.causal_conv1d %x, %w : tensor<2x9x64xf32>, tensor<64x2x4xf32>
  return
}

// -----

func.func @state_rank(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>, %s: tensor<2x256xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op expects state to have rank 3 [B, C, K], found 'tensor<2x256xf32>' of rank 2}}
  %y, %ns = zen.causal_conv1d %x, %w state(%s) : tensor<2x9x64xf32>, tensor<64x1x4xf32>, tensor<2x256xf32>
  return
}

// -----

func.func @state_element_type(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>, %s: tensor<2x64x4xbf16>) {
  // expected-error @+1 {{'zen.causal_conv1d' op expects state and input to have the same element type, found 'bf16' and 'f32'}}
  %y, %ns = zen.causal_conv1d %x, %w state(%s) : tensor<2x9x64xf32>, tensor<64x1x4xf32>, tensor<2x64x4xbf16>
  return
}

// -----

func.func @state_batch(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>, %s: tensor<1x64x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op state dim 0 (B) must match input dim 0 (B): expected 2, found 1}}
  %y, %ns = zen.causal_conv1d %x, %w state(%s) : tensor<2x9x64xf32>, tensor<64x1x4xf32>, tensor<1x64x4xf32>
  return
}

// -----

func.func @state_channels(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>, %s: tensor<2x128x4xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op state dim 1 (C) must match input dim 2 (C): expected 64, found 128}}
  %y, %ns = zen.causal_conv1d %x, %w state(%s) : tensor<2x9x64xf32>, tensor<64x1x4xf32>, tensor<2x128x4xf32>
  return
}

// -----

func.func @state_width(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>, %s: tensor<2x64x3xf32>) {
  // expected-error @+1 {{'zen.causal_conv1d' op state dim 2 (K) must match weight dim 2 (K): expected 4, found 3}}
  %y, %ns = zen.causal_conv1d %x, %w state(%s) : tensor<2x9x64xf32>, tensor<64x1x4xf32>, tensor<2x64x3xf32>
  return
}

// -----

func.func @activation(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>) {
  // expected-error @+2 {{expected ::mlir::zen::Activation to be one of: none, silu, gelu, gelu_tanh}}
  // expected-error @+1 {{failed to parse Zen_ActivationAttr parameter 'value' which is to be a `::mlir::zen::Activation`}}
  %y, %ns = zen.causal_conv1d %x, %w {activation = #zen.activation<relu>} : tensor<2x9x64xf32>, tensor<64x1x4xf32>
  return
}

// -----

func.func @result_types(%x: tensor<2x9x64xf32>, %w: tensor<64x1x4xf32>) {
  // expected-error @+2 {{'zen.causal_conv1d' op inferred type(s) 'tensor<2x9x64xf32>', 'tensor<2x64x4xf32>' are incompatible with return type(s) of operation 'tensor<2x9x64xf32>', 'tensor<2x64x3xf32>'}}
  // expected-error @+1 {{'zen.causal_conv1d' op failed to infer returned types}}
  %y:2 = "zen.causal_conv1d"(%x, %w) : (tensor<2x9x64xf32>, tensor<64x1x4xf32>) -> (tensor<2x9x64xf32>, tensor<2x64x3xf32>)
  return
}

