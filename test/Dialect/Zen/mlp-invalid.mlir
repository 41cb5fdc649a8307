// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<f32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects input to have rank >= 1 [..., hidden], found 'tensor<f32>' of rank 0}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<f32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @gate_rank(%x: tensor<?x64xf32>, %wg: tensor<96xf32>, %wu: tensor<96x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects gate_weight to have rank 2 [intermediate, hidden], found 'tensor<96xf32>' of rank 1}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96xf32>, tensor<96x64xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @up_rank(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<1x96x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects up_weight to have rank 2 [intermediate, hidden], found 'tensor<1x96x64xf32>' of rank 3}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xf32>, tensor<1x96x64xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @down_rank(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf32>, %wd: tensor<64xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects down_weight to have rank 2 [hidden, intermediate], found 'tensor<64xf32>' of rank 1}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @gate_hidden(%x: tensor<?x?x64xf32>, %wg: tensor<96x32xf32>, %wu: tensor<96x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op gate_weight dim 1 (hidden) must match input dim 2 (hidden): expected 64, found 32}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x?x64xf32>, tensor<96x32xf32>, tensor<96x64xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @up_hidden(%x: tensor<?x?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x32xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op up_weight dim 1 (hidden) must match input dim 2 (hidden): expected 64, found 32}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x?x64xf32>, tensor<96x64xf32>, tensor<96x32xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @up_intermediate(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<128x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op up_weight dim 0 (intermediate) must match gate_weight dim 0 (intermediate): expected 96, found 128}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xf32>, tensor<128x64xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @down_hidden(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf32>, %wd: tensor<32x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op down_weight dim 0 (hidden) must match input dim 1 (hidden): expected 64, found 32}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<32x96xf32>
  return
}

// -----

// down_proj stored the wrong way round ([I, H] instead of HF's [H, I]).
func.func @down_intermediate(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf32>, %wd: tensor<64x64xf32>) {
  // expected-error @+1 {{'zen.mlp' op down_weight dim 1 (intermediate) must match gate_weight dim 0 (intermediate): expected 96, found 64}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x64xf32>
  return
}

// -----

func.func @gate_element_type(%x: tensor<?x64xf32>, %wg: tensor<96x64xbf16>, %wu: tensor<96x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects gate_weight and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xbf16>, tensor<96x64xf32>, tensor<64x96xf32>
  return
}

// -----

func.func @up_element_type(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf16>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects up_weight and input to have the same element type, found 'f16' and 'f32'}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf16>, tensor<64x96xf32>
  return
}

// -----

func.func @down_element_type(%x: tensor<?x64xbf16>, %wg: tensor<96x64xbf16>, %wu: tensor<96x64xbf16>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op expects down_weight and input to have the same element type, found 'f32' and 'bf16'}}
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x64xbf16>, tensor<96x64xbf16>, tensor<96x64xbf16>, tensor<64x96xf32>
  return
}

// -----

// The result has the type of input (generic form).
func.func @result_type(%x: tensor<?x64xf32>, %wg: tensor<96x64xf32>, %wu: tensor<96x64xf32>, %wd: tensor<64x96xf32>) {
  // expected-error @+1 {{'zen.mlp' op failed to verify that all of {input, result} have same type}}
  %y = "zen.mlp"(%x, %wg, %wu, %wd) : (tensor<?x64xf32>, tensor<96x64xf32>, tensor<96x64xf32>, tensor<64x96xf32>) -> tensor<?x96xf32>
  return
}
