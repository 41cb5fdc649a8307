// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.causal_conv1d_grad

// Qwen3-Next (C = 8192, K = 4, SiLU), bf16. x is copied to f32 with K − 1
// zero rows in front (an all-parallel generic reading x with a masked
// tensor.extract); y = Σ_i w[i] xpad[t + i] is recomputed (affine tap map),
// dy = dout · silu'(y); dy is padded with K − 1 zero rows after T and the
// kernel reversed in time, so dx[s] = Σ_j wrev[j] dypad[s + j] is again an
// affine contraction over the taps; rounded to bf16 once.
// CHECK-DAG: #[[TAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 + d3, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, 0, d3)>
// CHECK-LABEL: func.func @next
// CHECK: %[[XPAD:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x?x8192xf32>)
// CHECK: arith.cmpi sge
// CHECK: tensor.extract %arg0
// CHECK: %[[Y:[^ ]+]] = linalg.generic {indexing_maps = [#[[TAP]], #[[W]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[XPAD]], %arg1 :
// CHECK: %[[DY:[^ ]+]] = linalg.generic {{.*}} ins(%[[Y]], %arg2 : tensor<?x?x8192xf32>, tensor<?x?x8192xbf16>)
// CHECK: math.exp
// CHECK: %[[DYPAD:[^ ]+]] = linalg.generic
// CHECK: arith.cmpi slt
// CHECK: tensor.extract %[[DY]]
// CHECK: %[[WREV:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<8192x1x4xf32>)
// CHECK: tensor.extract %arg1
// CHECK: %[[DX:[^ ]+]] = linalg.generic {indexing_maps = [#[[TAP]], #[[W]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[DYPAD]], %[[WREV]] :
// CHECK: linalg.generic {{.*}} ins(%[[DX]] : tensor<?x?x8192xf32>) outs(%{{.*}} : tensor<?x?x8192xbf16>)
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: return
func.func @next(%x: tensor<?x?x8192xbf16>, %w: tensor<8192x1x4xbf16>, %dy: tensor<?x?x8192xbf16>) -> tensor<?x?x8192xbf16> {
  %dx = zen.causal_conv1d_grad %x, %w, %dy : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
  return %dx : tensor<?x?x8192xbf16>
}

// -----

// No activation: dy is dout in f32 (no sigmoid). Static T = 7, K = 3: the
// padded copies are 9 rows.
// CHECK-LABEL: func.func @linear
// CHECK-NOT: math.exp
// CHECK: outs(%{{.*}} : tensor<2x9x16xf32>)
// CHECK-NOT: math.exp
// CHECK: return
func.func @linear(%x: tensor<2x7x16xf32>, %w: tensor<16x1x3xf32>, %dy: tensor<2x7x16xf32>) -> tensor<2x7x16xf32> {
  %dx = zen.causal_conv1d_grad %x, %w, %dy {activation = #zen.activation<none>} : tensor<2x7x16xf32>, tensor<16x1x3xf32>
  return %dx : tensor<2x7x16xf32>
}
