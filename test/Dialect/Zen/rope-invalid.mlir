// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<?x?x2048xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op expects input to have rank 4 [batch, seq, heads, head_dim], found 'tensor<?x?x2048xf32>' of rank 3}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<?x?x2048xf32>, tensor<?x?xi64>
  return
}

// -----

// Qwen3-Omni's M-RoPE position rows [3, B, T] are not this op's.
func.func @positions_rank(%x: tensor<?x?x32x128xf32>, %pos: tensor<3x?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op expects positions to have rank 2 [batch, seq], found 'tensor<3x?x?xi64>' of rank 3}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<?x?x32x128xf32>, tensor<3x?x?xi64>
  return
}

// -----

func.func @batch(%x: tensor<2x7x16x128xf32>, %pos: tensor<3x7xi64>) {
  // expected-error @+1 {{'zen.rope' op positions dim 0 (batch) must match input dim 0 (batch): expected 2, found 3}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<2x7x16x128xf32>, tensor<3x7xi64>
  return
}

// -----

func.func @seq(%x: tensor<?x7x16x128xf32>, %pos: tensor<?x8xi64>) {
  // expected-error @+1 {{'zen.rope' op positions dim 1 (seq) must match input dim 1 (seq): expected 7, found 8}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<?x7x16x128xf32>, tensor<?x8xi64>
  return
}

// -----

func.func @rotary_dim_zero(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op expects rotary_dim > 0, found 0}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 0 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @rotary_dim_odd(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op expects an even rotary_dim (rotate_half pairs lane i with lane i + rotary_dim / 2), found 63}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 63 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @rotary_dim_too_large(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op expects rotary_dim <= input dim 3 (head_dim): expected at most 128, found 256}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 256 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @theta(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op expects theta > 0, found 0.000000e+00 : f64}}
  %y = zen.rope %x, %pos {theta = 0.0 : f64, rotary_dim = 128 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @missing_theta(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op requires attribute 'theta'}}
  %y = zen.rope %x, %pos {rotary_dim = 128 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @missing_rotary_dim(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xi64>) {
  // expected-error @+1 {{'zen.rope' op requires attribute 'rotary_dim'}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @float_positions(%x: tensor<?x?x16x128xf32>, %pos: tensor<?x?xf32>) {
  // expected-error @+1 {{'zen.rope' op operand #1 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values, but got 'tensor<?x?xf32>'}}
  %y = zen.rope %x, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xf32>
  return
}
