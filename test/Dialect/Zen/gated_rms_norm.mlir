// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next linear_attn.norm: per (token, value head) over dv = 128; eps
// defaults to 1e-6 and is then not printed.
// CHECK-LABEL: func.func @next
// CHECK: %[[Y:.*]] = zen.gated_rms_norm %arg0, %arg1, %arg2 : tensor<?x?x32x128xbf16>, tensor<128xbf16>
// CHECK: return %[[Y]] : tensor<?x?x32x128xbf16>
func.func @next(%o: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>) -> tensor<?x?x32x128xbf16> {
  %y = zen.gated_rms_norm %o, %z, %w {eps = 1.0e-06 : f64} : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return %y : tensor<?x?x32x128xbf16>
}

// Rows flattened, f32, another eps.
// CHECK-LABEL: func.func @flat
// CHECK: zen.gated_rms_norm %arg0, %arg1, %arg2 {eps = 1.000000e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
func.func @flat(%x: tensor<?x64xf32>, %z: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = zen.gated_rms_norm %x, %z, %w {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  return %y : tensor<?x64xf32>
}
