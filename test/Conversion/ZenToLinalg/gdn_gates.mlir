// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gdn_gates

// Qwen3-Next gates (Hv = 32): one elementwise generic with two f32 results;
// A_log and dt_bias broadcast over tokens; softplus takes x above 20 and
// log1p(exp(min(x, 20))) below.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[HEAD:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @gates
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x32xbf16>, %[[B:.*]]: tensor<?x?x32xbf16>, %[[ALOG:.*]]: tensor<32xf32>, %[[DT:.*]]: tensor<32xbf16>)
// CHECK: %[[R:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[HEAD]], #[[HEAD]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[A]], %[[B]], %[[ALOG]], %[[DT]] : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<?x?x32xf32>, tensor<?x?x32xf32>)
// CHECK: ^bb0(%[[AV:.*]]: bf16, %[[BV:.*]]: bf16, %[[AL:.*]]: f32, %[[DV:.*]]: bf16,
// CHECK: %[[AF:.*]] = arith.extf %[[AV]] : bf16 to f32
// CHECK: %[[DF:.*]] = arith.extf %[[DV]] : bf16 to f32
// CHECK: %[[X:.*]] = arith.addf %[[AF]], %[[DF]] : f32
// CHECK: %[[TWENTY:.*]] = arith.constant 2.000000e+01 : f32
// CHECK: %[[CLIP:.*]] = arith.minimumf %[[X]], %[[TWENTY]]
// CHECK: %[[E:.*]] = math.exp %[[CLIP]]
// CHECK: %[[LP:.*]] = math.log1p %[[E]]
// CHECK: %[[ABOVE:.*]] = arith.cmpf ogt, %[[X]], %[[TWENTY]]
// CHECK: %[[SP:.*]] = arith.select %[[ABOVE]], %[[X]], %[[LP]]
// CHECK: %[[DECAY:.*]] = math.exp %[[AL]] : f32
// CHECK: %[[PROD:.*]] = arith.mulf %[[DECAY]], %[[SP]]
// CHECK: %[[G:.*]] = arith.negf %[[PROD]]
// CHECK: %[[BF:.*]] = arith.extf %[[BV]] : bf16 to f32
// CHECK: %[[NB:.*]] = arith.negf %[[BF]]
// CHECK: %[[EB:.*]] = math.exp %[[NB]]
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EB]]
// CHECK: %[[BETA:.*]] = arith.divf %{{.*}}, %[[DEN]]
// CHECK: linalg.yield %[[G]], %[[BETA]] : f32, f32
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @gates(%a: tensor<?x?x32xbf16>, %b: tensor<?x?x32xbf16>, %A: tensor<32xf32>, %dt: tensor<32xbf16>)
    -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %g, %beta = zen.gdn_gates %a, %b, %A, %dt : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>
  return %g, %beta : tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// All f32: no conversions.
// CHECK-LABEL: func.func @gates_f32
// CHECK: linalg.generic
// CHECK-NOT: arith.extf
// CHECK: math.log1p
func.func @gates_f32(%a: tensor<1x1x4xf32>, %b: tensor<1x1x4xf32>, %A: tensor<4xf32>, %dt: tensor<4xf32>)
    -> (tensor<1x1x4xf32>, tensor<1x1x4xf32>) {
  %g, %beta = zen.gdn_gates %a, %b, %A, %dt : tensor<1x1x4xf32>, tensor<4xf32>, tensor<4xf32>
  return %g, %beta : tensor<1x1x4xf32>, tensor<1x1x4xf32>
}
