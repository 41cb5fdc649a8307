// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.adamw

// AdamW (train §7) in torch's single-tensor order: the bias corrections from
// the step t in f64 (powf), then one elementwise generic per parameter with
// three results: θ·(1 − lr·wd); m.lerp(g, 1 − β1); v·β2 + (1 − β2)·g·g;
// θ + (−step_size · m) / (sqrt(v) / sqrt(bc2) + eps), each stored value
// rounded to the parameter dtype.

// CHECK-LABEL: func.func @adamw_bf16
// CHECK-SAME:    %[[P:[^:]+]]: tensor<?x64xbf16>, %[[G:[^:]+]]: tensor<?x64xbf16>, %[[M:[^:]+]]: tensor<?x64xbf16>, %[[V:[^:]+]]: tensor<?x64xbf16>, %[[T:[^:]+]]: tensor<i64>
// CHECK:         %[[STEP:.+]] = tensor.extract %[[T]][] : tensor<i64>
// CHECK:         %[[TF:.+]] = arith.sitofp %[[STEP]] : i64 to f64
// CHECK:         %[[B1T:.+]] = math.powf %{{.+}}, %[[TF]] : f64
// CHECK:         %[[BC1:.+]] = arith.subf %{{.+}}, %[[B1T]] : f64
// CHECK:         %[[B2T:.+]] = math.powf %{{.+}}, %[[TF]] : f64
// CHECK:         %[[BC2:.+]] = arith.subf %{{.+}}, %[[B2T]] : f64
// CHECK:         %[[SS:.+]] = arith.divf %{{.+}}, %[[BC1]] : f64
// CHECK:         %[[NSS:.+]] = arith.negf %[[SS]] : f64
// CHECK:         %[[NSS32:.+]] = arith.truncf %[[NSS]] : f64 to f32
// CHECK:         %[[SQ:.+]] = math.sqrt %[[BC2]] : f64
// CHECK:         %[[SQ32:.+]] = arith.truncf %[[SQ]] : f64 to f32
// CHECK:         %[[R:.+]]:3 = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%[[P]], %[[G]], %[[M]], %[[V]] : tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>)
// CHECK:           %[[DECAY:.+]] = arith.constant 0.999989986 : f32
// CHECK:           arith.mulf %{{.+}}, %[[DECAY]] : f32
// CHECK:           %[[W:.+]] = arith.constant 1.000000e-01 : f32
// CHECK:           arith.mulf %[[W]], %{{.+}} : f32
// CHECK:           %[[ROOT:.+]] = math.sqrt %{{.+}} : f32
// CHECK:           arith.divf %[[ROOT]], %[[SQ32]] : f32
// CHECK:           %[[UPD:.+]] = arith.mulf %[[NSS32]], %{{.+}} : f32
// CHECK:           arith.divf %[[UPD]], %{{.+}} : f32
// CHECK:           linalg.yield %{{.+}}, %{{.+}}, %{{.+}} : bf16, bf16, bf16
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @adamw_bf16(%p: tensor<?x64xbf16>, %g: tensor<?x64xbf16>, %m: tensor<?x64xbf16>, %v: tensor<?x64xbf16>, %t: tensor<i64>)
    -> (tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>) {
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) {lr = 1.0e-3 : f64} : tensor<?x64xbf16>
  return %r#0, %r#1, %r#2 : tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>
}

// -----

// Two parameters: one generic each; results grouped params, exp_avg, exp_avg_sq.
// CHECK-LABEL: func.func @adamw_two
// CHECK:         %[[A:.+]]:3 = linalg.generic
// CHECK-SAME:      outs(%{{.+}}, %{{.+}}, %{{.+}} : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>)
// CHECK:         %[[B:.+]]:3 = linalg.generic
// CHECK-SAME:      outs(%{{.+}}, %{{.+}}, %{{.+}} : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK:         return %[[A]]#0, %[[B]]#0, %[[A]]#1, %[[B]]#1, %[[A]]#2, %[[B]]#2
func.func @adamw_two(%p: tensor<8x16xf32>, %q: tensor<4xf32>, %g: tensor<8x16xf32>, %gq: tensor<4xf32>, %t: tensor<i64>)
    -> (tensor<8x16xf32>, tensor<4xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<8x16xf32>, tensor<4xf32>) {
  %r:6 = zen.adamw params(%p, %q) grads(%g, %gq) exp_avg(%g, %gq) exp_avg_sq(%g, %gq) step(%t) {lr = 1.0e-5 : f64}
      : tensor<8x16xf32>, tensor<4xf32>
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5 : tensor<8x16xf32>, tensor<4xf32>, tensor<8x16xf32>, tensor<4xf32>, tensor<8x16xf32>, tensor<4xf32>
}
