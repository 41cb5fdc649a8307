// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gated_rms_norm

// Qwen3-Next linear_attn.norm ([B, T, 32, 128], bf16): Σx² in f32 over the
// last dim, then y = x·rsqrt(mean + eps) rounded to bf16, w·y in bf16, times
// silu(f32(z)) in f32, rounded once more.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @next_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32x128xbf16>, %[[Z:.*]]: tensor<?x?x32x128xbf16>, %[[W:.*]]: tensor<128xbf16>)
// CHECK: %[[SS:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<?x?x32x128xbf16>) outs(%{{.*}} : tensor<?x?x32xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[LAST]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %[[SS]], %[[W]], %[[Z]] : {{.*}}) outs(%{{.*}} : tensor<?x?x32x128xbf16>)
// CHECK: ^bb0(%[[XV:.*]]: bf16, %[[SV:.*]]: f32, %[[WV:.*]]: bf16, %[[ZV:.*]]: bf16,
// CHECK: %[[MEAN:.*]] = arith.divf %[[SV]]
// CHECK: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK: arith.addf %[[MEAN]], %[[EPS]]
// CHECK: %[[INV:.*]] = math.rsqrt
// CHECK: %[[XF:.*]] = arith.extf %[[XV]]
// CHECK: %[[Y:.*]] = arith.mulf %[[XF]], %[[INV]] : f32
// CHECK: %[[YR:.*]] = arith.truncf %[[Y]] : f32 to bf16
// CHECK: %[[WY:.*]] = arith.mulf %[[WV]], %[[YR]] : bf16
// CHECK: %[[WYF:.*]] = arith.extf %[[WY]] : bf16 to f32
// CHECK: %[[ZF:.*]] = arith.extf %[[ZV]] : bf16 to f32
// CHECK: math.exp
// CHECK: %[[SILU:.*]] = arith.divf %[[ZF]], %{{.*}} : f32
// CHECK: %[[G:.*]] = arith.mulf %[[WYF]], %[[SILU]] : f32
// CHECK: %[[R:.*]] = arith.truncf %[[G]] : f32 to bf16
// CHECK: linalg.yield %[[R]] : bf16
// CHECK: return %[[OUT]]
func.func @next_norm(%x: tensor<?x?x32x128xbf16>, %z: tensor<?x?x32x128xbf16>, %w: tensor<128xbf16>) -> tensor<?x?x32x128xbf16> {
  %y = zen.gated_rms_norm %x, %z, %w : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  return %y : tensor<?x?x32x128xbf16>
}

// -----

// f32, rank 2, custom eps: no rounding steps.
// CHECK-LABEL: func.func @rows_f32
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @rows_f32(%x: tensor<?x64xf32>, %z: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = zen.gated_rms_norm %x, %z, %w {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  return %y : tensor<?x64xf32>
}
