// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next partial RoPE.
// CHECK-LABEL: func.func @partial
// CHECK: zen.rope_grad %arg0, %arg1 {rotary_dim = 64 : i64, theta = 1.000000e+07 : f64} : tensor<?x?x16x256xf32>, tensor<?x?xi64>
func.func @partial(%dy: tensor<?x?x16x256xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x16x256xf32> {
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 64 : i64, theta = 1.0e+07 : f64} : tensor<?x?x16x256xf32>, tensor<?x?xi64>
  return %dx : tensor<?x?x16x256xf32>
}

// CHECK-LABEL: func.func @full
// CHECK: zen.rope_grad %arg0, %arg1 {rotary_dim = 128 : i64, theta = 1.000000e+06 : f64} : tensor<1x9x8x128xbf16>, tensor<1x9xi32>
func.func @full(%dy: tensor<1x9x8x128xbf16>, %pos: tensor<1x9xi32>) -> tensor<1x9x8x128xbf16> {
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 128 : i64, theta = 1.0e+06 : f64} : tensor<1x9x8x128xbf16>, tensor<1x9xi32>
  return %dx : tensor<1x9x8x128xbf16>
}
