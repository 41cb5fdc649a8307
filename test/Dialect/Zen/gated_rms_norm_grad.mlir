// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Next linear_attn.norm: per (token, value head) over dv = 128.
// CHECK-LABEL: func.func @next
// CHECK: %[[DX:.*]], %[[DZ:.*]] = zen.gated_rms_norm_grad %arg0, %arg1, %arg2, %arg3 : tensor<?x?x32x128xbf16>, tensor<128xbf16>
// CHECK: return %[[DX]], %[[DZ]] : tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>
func.func @next(%o: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>, %dy: tensor<?x?x32x128xbf16>)
    -> (tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>) {
  %dx, %dz = zen.gated_rms_norm_grad %o, %z, %w, %dy : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return %dx, %dz : tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>
}

// CHECK-LABEL: func.func @flat
// CHECK: zen.gated_rms_norm_grad %arg0, %arg1, %arg2, %arg3 {eps = 1.000000e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
func.func @flat(%x: tensor<?x64xf32>, %z: tensor<?x64xf32>, %w: tensor<64xf32>, %dy: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %dx, %dz = zen.gated_rms_norm_grad %x, %z, %w, %dy {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  return %dx : tensor<?x64xf32>
}
