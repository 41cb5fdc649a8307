// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B: q [B, T, 16, 128] and k [B, T, 8, 128], full rotary, theta 1e6.
// CHECK-LABEL: func.func @qwen3_full
// CHECK: %[[Q:.*]] = zen.rope %arg0, %arg2 {rotary_dim = 128 : i64, theta = 1.000000e+06 : f64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
// CHECK: %[[K:.*]] = zen.rope %arg1, %arg2 {rotary_dim = 128 : i64, theta = 1.000000e+06 : f64} : tensor<?x?x8x128xf32>, tensor<?x?xi64>
// CHECK: return %[[Q]], %[[K]] : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>
func.func @qwen3_full(%q: tensor<?x?x16x128xf32>, %k: tensor<?x?x8x128xf32>, %pos: tensor<?x?xi64>)
    -> (tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>) {
  %q2 = zen.rope %q, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<?x?x16x128xf32>, tensor<?x?xi64>
  %k2 = zen.rope %k, %pos {theta = 1.0e+06 : f64, rotary_dim = 128 : i64} : tensor<?x?x8x128xf32>, tensor<?x?xi64>
  return %q2, %k2 : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>
}

// Qwen3-Next partial RoPE: head_dim 256, rotary_dim 256 * 0.25 = 64, theta 1e7.
// CHECK-LABEL: func.func @next_partial
// CHECK: zen.rope %arg0, %arg1 {rotary_dim = 64 : i64, theta = 1.000000e+07 : f64} : tensor<2x7x16x256xbf16>, tensor<2x7xi32>
func.func @next_partial(%q: tensor<2x7x16x256xbf16>, %pos: tensor<2x7xi32>) -> tensor<2x7x16x256xbf16> {
  %q2 = zen.rope %q, %pos {theta = 1.0e+07 : f64, rotary_dim = 64 : i64} : tensor<2x7x16x256xbf16>, tensor<2x7xi32>
  return %q2 : tensor<2x7x16x256xbf16>
}

// A dynamic head_dim is accepted; rotary_dim is checked against it at run time.
// CHECK-LABEL: func.func @dynamic_head_dim
// CHECK: zen.rope %arg0, %arg1 {rotary_dim = 64 : i64, theta = 1.000000e+04 : f64} : tensor<1x?x4x?xf32>, tensor<1x?xi64>
func.func @dynamic_head_dim(%x: tensor<1x?x4x?xf32>, %pos: tensor<1x?xi64>) -> tensor<1x?x4x?xf32> {
  %y = zen.rope %x, %pos {theta = 1.0e+04 : f64, rotary_dim = 64 : i64} : tensor<1x?x4x?xf32>, tensor<1x?xi64>
  return %y : tensor<1x?x4x?xf32>
}
