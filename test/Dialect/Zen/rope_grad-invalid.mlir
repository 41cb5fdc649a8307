// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @rank(%dy: tensor<2x3x64xf32>, %pos: tensor<2x3xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op expects output_grad to have rank 4 [batch, seq, heads, head_dim], found 'tensor<2x3x64xf32>' of rank 3}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 1.0e+06 : f64} : tensor<2x3x64xf32>, tensor<2x3xi64>
  return
}

// -----

func.func @positions_rank(%dy: tensor<2x3x4x64xf32>, %pos: tensor<6xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op expects positions to have rank 2 [batch, seq], found 'tensor<6xi64>' of rank 1}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 1.0e+06 : f64} : tensor<2x3x4x64xf32>, tensor<6xi64>
  return
}

// -----

func.func @batch(%dy: tensor<2x3x4x64xf32>, %pos: tensor<1x3xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op positions dim 0 (batch) must match output_grad dim 0 (batch): expected 2, found 1}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 1.0e+06 : f64} : tensor<2x3x4x64xf32>, tensor<1x3xi64>
  return
}

// -----

func.func @seq(%dy: tensor<2x3x4x64xf32>, %pos: tensor<2x5xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op positions dim 1 (seq) must match output_grad dim 1 (seq): expected 3, found 5}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 1.0e+06 : f64} : tensor<2x3x4x64xf32>, tensor<2x5xi64>
  return
}

// -----

func.func @rotary_positive(%dy: tensor<2x3x4x64xf32>, %pos: tensor<2x3xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op expects rotary_dim > 0, found 0}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 0 : i64, theta = 1.0e+06 : f64} : tensor<2x3x4x64xf32>, tensor<2x3xi64>
  return
}

// -----

func.func @rotary_even(%dy: tensor<2x3x4x64xf32>, %pos: tensor<2x3xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op expects an even rotary_dim (rotate_half pairs lane i with lane i + rotary_dim / 2), found 33}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 33 : i64, theta = 1.0e+06 : f64} : tensor<2x3x4x64xf32>, tensor<2x3xi64>
  return
}

// -----

func.func @rotary_too_wide(%dy: tensor<2x3x4x64xf32>, %pos: tensor<2x3xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op expects rotary_dim <= output_grad dim 3 (head_dim): expected at most 64, found 128}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 128 : i64, theta = 1.0e+06 : f64} : tensor<2x3x4x64xf32>, tensor<2x3xi64>
  return
}

// -----

func.func @theta(%dy: tensor<2x3x4x64xf32>, %pos: tensor<2x3xi64>) {
  // expected-error @+1 {{'zen.rope_grad' op expects theta > 0, found 0.000000e+00 : f64}}
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 0.0 : f64} : tensor<2x3x4x64xf32>, tensor<2x3xi64>
  return
}
