// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// CHECK-LABEL: func.func @plain
// CHECK: %[[Y:.*]] = zen.rms_norm %arg0, %arg1 {eps = 1.000000e-05 : f64} : tensor<?x?x1024xf32>, tensor<1024xf32>
// CHECK: return %[[Y]] : tensor<?x?x1024xf32>
func.func @plain(%x: tensor<?x?x1024xf32>, %w: tensor<1024xf32>) -> tensor<?x?x1024xf32> {
  %y = zen.rms_norm %x, %w {eps = 1.0e-05 : f64} : tensor<?x?x1024xf32>, tensor<1024xf32>
  return %y : tensor<?x?x1024xf32>
}

// Qwen3-Next's zero-centred (1 + w) norm over a head dim, in bf16.
// CHECK-LABEL: func.func @zero_centered_per_head
// CHECK: zen.rms_norm %arg0, %arg1 {zero_centered} : tensor<2x7x16x256xbf16>, tensor<256xbf16>
func.func @zero_centered_per_head(%q: tensor<2x7x16x256xbf16>, %w: tensor<256xbf16>) -> tensor<2x7x16x256xbf16> {
  %y = zen.rms_norm %q, %w {eps = 1.0e-06 : f64, zero_centered} : tensor<2x7x16x256xbf16>, tensor<256xbf16>
  return %y : tensor<2x7x16x256xbf16>
}

// eps defaults to 1e-6, Qwen3's rms_norm_eps, and is then not printed.
// CHECK-LABEL: func.func @default_eps
// CHECK: zen.rms_norm %arg0, %arg1 : tensor<4x64xf32>, tensor<64xf32>
func.func @default_eps(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  %y = zen.rms_norm %x, %w : tensor<4x64xf32>, tensor<64xf32>
  return %y : tensor<4x64xf32>
}
