// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gdn_gates_param_grad

// Loops (h, b, t), b and t reduced into f32 [Hv] sums of dg · g and of da;
// each rounded to its parameter's type (A_log stays f32, dt_bias bf16).
// CHECK-DAG: #[[BTH:.*]] = affine_map<(d0, d1, d2) -> (d1, d2, d0)>
// CHECK-LABEL: func.func @next
// CHECK: %[[S:[^ ]+]]:2 = linalg.generic {indexing_maps = [#[[BTH]], {{.*}}], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK: math.log1p
// CHECK: %[[DT:[^ ]+]] = linalg.generic {{.*}} ins(%[[S]]#1 : tensor<32xf32>) outs(%{{.*}} : tensor<32xbf16>)
// CHECK: return %[[S]]#0, %[[DT]]
func.func @next(%a: tensor<?x?x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xbf16>, %dg: tensor<?x?x32xf32>)
    -> (tensor<32xf32>, tensor<32xbf16>) {
  %dA, %ddt = zen.gdn_gates_param_grad %a, %A_log, %dt_bias, %dg
      : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
  return %dA, %ddt : tensor<32xf32>, tensor<32xbf16>
}
