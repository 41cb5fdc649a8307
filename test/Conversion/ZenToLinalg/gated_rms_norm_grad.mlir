// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gated_rms_norm_grad

// Per row: Σx² and Σ dy·y (f32 reductions over the last dim), then one
// elementwise generic writing dx and dz, rounded to bf16.
// CHECK-LABEL: func.func @next
// CHECK: %[[SS:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%arg0 :
// CHECK: %[[DOT:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%arg0, %[[SS]], %arg2, %arg1, %arg3 :
// CHECK: math.rsqrt
// CHECK: %[[R:[^ ]+]]:2 = linalg.generic {{.*}}["parallel", "parallel", "parallel", "parallel"]{{.*}} ins(%arg0, %[[SS]], %arg2, %arg1, %arg3, %[[DOT]] :
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @next(%o: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>, %dy: tensor<?x?x32x128xbf16>)
    -> (tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>) {
  %dx, %dz = zen.gated_rms_norm_grad %o, %z, %w, %dy : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return %dx, %dz : tensor<?x?x32x128xbf16>, tensor<?x?x32x128xbf16>
}
