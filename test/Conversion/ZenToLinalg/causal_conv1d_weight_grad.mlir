// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.causal_conv1d_weight_grad

// xpad (K − 1 zero rows in front) and dy = dout · silu'(y) as in
// causal_conv1d_grad, then dw[c, 0, i] = Σ_{b,t} dy[b,t,c] · xpad[b, t + i, c]:
// loops (c, i, b, t) with b and t reduced into an f32 [C, 1, K] accumulator,
// rounded once.
// CHECK-DAG: #[[DYMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3, d0)>
// CHECK-DAG: #[[XMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d1 + d3, d0)>
// CHECK-DAG: #[[DW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d1)>
// CHECK-LABEL: func.func @next
// CHECK: %[[XPAD:[^ ]+]] = linalg.generic
// CHECK: %[[DY:[^ ]+]] = linalg.generic {{.*}} ins(%{{.*}}, %arg2 : tensor<?x?x8192xf32>, tensor<?x?x8192xbf16>)
// CHECK: %[[ACC:[^ ]+]] = linalg.generic {indexing_maps = [#[[DYMAP]], #[[XMAP]], #[[DW]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%[[DY]], %[[XPAD]] : {{.*}}) outs(%{{.*}} : tensor<8192x1x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<8192x1x4xf32>) outs(%{{.*}} : tensor<8192x1x4xbf16>)
// CHECK: return
func.func @next(%x: tensor<?x?x8192xbf16>, %w: tensor<8192x1x4xbf16>, %dy: tensor<?x?x8192xbf16>) -> tensor<8192x1x4xbf16> {
  %dw = zen.causal_conv1d_weight_grad %x, %w, %dy : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
  return %dw : tensor<8192x1x4xbf16>
}
