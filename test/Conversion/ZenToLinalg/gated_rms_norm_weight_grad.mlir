// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gated_rms_norm_weight_grad

// Σx² per row, then every row dim reduced into an f32 [D] accumulator of
// dout · y · silu(z), rounded once to the weight's type.
// CHECK-LABEL: func.func @next
// CHECK: %[[SS:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%arg0 :
// CHECK: %[[ACC:[^ ]+]] = linalg.generic {{.*}}["reduction", "reduction", "reduction", "parallel"]{{.*}} ins(%arg0, %[[SS]], %arg1, %arg3 : {{.*}}) outs(%{{.*}} : tensor<128xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<128xf32>) outs(%{{.*}} : tensor<128xbf16>)
// CHECK: return
func.func @next(%o: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>, %dy: tensor<?x?x32x128xbf16>) -> tensor<128xbf16> {
  %dw = zen.gated_rms_norm_weight_grad %o, %z, %w, %dy : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return %dw : tensor<128xbf16>
}
