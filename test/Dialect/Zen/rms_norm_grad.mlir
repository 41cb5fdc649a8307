// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// CHECK-LABEL: func.func @both
// CHECK: = zen.rms_norm_grad %arg0, %arg1, %arg2 : tensor<?x?x1024xf32>, tensor<?x?x1024xf32>, tensor<1024xf32> -> input_grad(tensor<?x?x1024xf32>) weight_grad(tensor<1024xf32>)
func.func @both(%dy: tensor<?x?x1024xf32>, %x: tensor<?x?x1024xf32>, %w: tensor<1024xf32>)
    -> (tensor<?x?x1024xf32>, tensor<1024xf32>) {
  %dx, %dw = zen.rms_norm_grad %dy, %x, %w : tensor<?x?x1024xf32>, tensor<?x?x1024xf32>, tensor<1024xf32>
      -> input_grad(tensor<?x?x1024xf32>) weight_grad(tensor<1024xf32>)
  return %dx, %dw : tensor<?x?x1024xf32>, tensor<1024xf32>
}

// Qwen3-Next's zero-centred q_norm over a head dim with a frozen weight.
// CHECK-LABEL: func.func @zero_centered_input_only
// CHECK: zen.rms_norm_grad %arg0, %arg1, %arg2 {eps = 1.000000e-05 : f64, zero_centered} : tensor<2x7x16x256xbf16>, tensor<2x7x16x256xbf16>, tensor<256xbf16> -> input_grad(tensor<2x7x16x256xbf16>)
func.func @zero_centered_input_only(%dy: tensor<2x7x16x256xbf16>, %x: tensor<2x7x16x256xbf16>, %w: tensor<256xbf16>)
    -> tensor<2x7x16x256xbf16> {
  %dx = zen.rms_norm_grad %dy, %x, %w {eps = 1.0e-05 : f64, zero_centered}
      : tensor<2x7x16x256xbf16>, tensor<2x7x16x256xbf16>, tensor<256xbf16> -> input_grad(tensor<2x7x16x256xbf16>)
  return %dx : tensor<2x7x16x256xbf16>
}

// CHECK-LABEL: func.func @weight_only
// CHECK: zen.rms_norm_grad %arg0, %arg1, %arg2 : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xf32> -> weight_grad(tensor<64xf32>)
func.func @weight_only(%dy: tensor<4x64xf32>, %x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<64xf32> {
  %dw = zen.rms_norm_grad %dy, %x, %w : tensor<4x64xf32>, tensor<4x64xf32>, tensor<64xf32> -> weight_grad(tensor<64xf32>)
  return %dw : tensor<64xf32>
}
