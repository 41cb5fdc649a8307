// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gdn_gates_grad

// One elementwise generic: da = dg · (−e^{A_log}) · softplus'(a + dt_bias)
// (1 above 20, else σ), db = dβ · σ(b)(1 − σ(b)); A_log and dt_bias are
// broadcast over (b, t).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[HEAD:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @next
// CHECK: %[[R:[^ ]+]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[HEAD]], #[[HEAD]], #[[ID]], #[[ID]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @next(%a: tensor<?x?x32xbf16>, %b: tensor<?x?x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xbf16>,
                %dg: tensor<?x?x32xf32>, %dbeta: tensor<?x?x32xf32>) -> (tensor<?x?x32xbf16>, tensor<?x?x32xbf16>) {
  %da, %db = zen.gdn_gates_grad %a, %b, %A_log, %dt_bias, %dg, %dbeta
      : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
  return %da, %db : tensor<?x?x32xbf16>, tensor<?x?x32xbf16>
}
