// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<8xf32>, %m: tensor<2x4xi64>) {
  // expected-error @+1 {{'zen.mask_padding' op expects input to have rank >= 2 [batch, seq, ...], found 'tensor<8xf32>' of rank 1}}
  %h = zen.mask_padding %x, %m : tensor<8xf32>, tensor<2x4xi64>
  return
}

// -----

func.func @mask_rank(%x: tensor<2x4x8xf32>, %m: tensor<2x4x1xi64>) {
  // expected-error @+1 {{'zen.mask_padding' op expects mask to have rank 2 [batch, seq], found 'tensor<2x4x1xi64>' of rank 3}}
  %h = zen.mask_padding %x, %m : tensor<2x4x8xf32>, tensor<2x4x1xi64>
  return
}

// -----

func.func @batch(%x: tensor<2x4x8xf32>, %m: tensor<3x4xi64>) {
  // expected-error @+1 {{'zen.mask_padding' op mask dim 0 (batch) must match input dim 0 (batch): expected 2, found 3}}
  %h = zen.mask_padding %x, %m : tensor<2x4x8xf32>, tensor<3x4xi64>
  return
}

// -----

func.func @seq(%x: tensor<2x4x8xf32>, %m: tensor<2x5xi64>) {
  // expected-error @+1 {{'zen.mask_padding' op mask dim 1 (seq) must match input dim 1 (seq): expected 4, found 5}}
  %h = zen.mask_padding %x, %m : tensor<2x4x8xf32>, tensor<2x5xi64>
  return
}
