// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gated_delta_rule_grad

// Qwen3-Next prefill backward (Hk = 16, Hv = 32, dk = dv = 128, bf16).
// Preprocessing as the forward (q, k L2-normalised and expanded to the value
// heads, everything head-major f32). Sweep 1: an scf.for over chunks stores
// the chunk-start state into a [B, Hv, nc, dk, dv] buffer, then steps the
// state token by token. Sweep 2: chunks in reverse (c = nc − 1 − ci); per
// chunk, its start state is copied, the per-token states recomputed into a
// [B, Hv, 64, dk, dv] buffer, then its tokens walked in reverse
// (r = n − 1 − ri), each token's cotangents stored into the head-major
// cotangent tensors. Finally dq̂, dk̂ are summed over the two value heads of
// each key head (a reduction loop), scaled and taken back through the L2
// norm, and everything is moved back to [B, T, H, d] and rounded.
// CHECK-DAG: #[[GROUP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2 * 2 + d4, d1, d3)>
// CHECK-LABEL: func.func @next
// CHECK: math.rsqrt
// CHECK: %[[S1:[^ ]+]]:2 = scf.for %[[C:[^ ]+]] = {{.*}} iter_args({{.*}}) -> (tensor<?x32x128x128xf32>, tensor<?x32x?x128x128xf32>)
// CHECK: scf.for
// CHECK: tensor.insert {{.*}}[%{{.*}}, %{{.*}}, %[[C]], %{{.*}}, %{{.*}}] : tensor<?x32x?x128x128xf32>
// CHECK: scf.for
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "reduction", "parallel"]
// CHECK: scf.yield
// CHECK: %[[S2:[^ ]+]]:7 = scf.for {{.*}} -> (tensor<?x32x128x128xf32>, tensor<?x32x?x128xf32>, tensor<?x32x?x128xf32>, tensor<?x32x?x128xf32>, tensor<?x32x?xf32>, tensor<?x32x?xf32>, tensor<?x32x64x128x128xf32>)
// CHECK: tensor.extract_slice %[[S1]]#1
// CHECK: linalg.copy
// CHECK: scf.for {{.*}} -> (tensor<?x32x128x128xf32>, tensor<?x32x64x128x128xf32>)
// CHECK: %[[T:[^ ]+]]:6 = scf.for
// CHECK: arith.subi
// CHECK: linalg.generic {{.*}}["parallel", "parallel", "reduction", "reduction"]
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK: linalg.generic {indexing_maps = [#[[GROUP]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[S2]]#1, %{{.*}} : tensor<?x32x?x128xf32>, tensor<2xf32>) outs(%{{.*}} : tensor<?x?x16x128xf32>)
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: return
func.func @next(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>, %v: tensor<?x?x32x128xbf16>,
                %g: tensor<?x?x32xf32>, %beta: tensor<?x?x32xf32>, %do: tensor<?x?x32x128xbf16>)
    -> (tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) {
  %dq, %dk, %dv, %dg, %db = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %do {use_qk_l2norm}
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
  return %dq, %dk, %dv, %dg, %db
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
}

// -----

// With an initial state (copied before sweep 1) and a final-state cotangent
// (copied as the initial dS); the sixth result is sweep 2's final dS.
// CHECK-LABEL: func.func @states
// CHECK: linalg.copy ins(%arg6
// CHECK: %[[S1:[^ ]+]]:2 = scf.for
// CHECK: linalg.copy ins(%arg7
// CHECK: %[[S2:[^ ]+]]:7 = scf.for
// CHECK: return {{.*}}, %[[S2]]#0 :
func.func @states(%q: tensor<2x70x2x16xf32>, %k: tensor<2x70x2x16xf32>, %v: tensor<2x70x4x8xf32>,
                  %g: tensor<2x70x4xf32>, %beta: tensor<2x70x4xf32>, %do: tensor<2x70x4x8xf32>,
                  %s0: tensor<2x4x16x8xf32>, %ds: tensor<2x4x16x8xf32>)
    -> (tensor<2x70x2x16xf32>, tensor<2x70x2x16xf32>, tensor<2x70x4x8xf32>, tensor<2x70x4xf32>, tensor<2x70x4xf32>, tensor<2x4x16x8xf32>) {
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %do initial_state(%s0 : tensor<2x4x16x8xf32>)
      final_state_grad(%ds : tensor<2x4x16x8xf32>) {chunk_size = 32 : i64}
      : tensor<2x70x2x16xf32>, tensor<2x70x2x16xf32>, tensor<2x70x4x8xf32>, tensor<2x70x4xf32>, tensor<2x70x4xf32>
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5
      : tensor<2x70x2x16xf32>, tensor<2x70x2x16xf32>, tensor<2x70x4x8xf32>, tensor<2x70x4xf32>, tensor<2x70x4xf32>, tensor<2x4x16x8xf32>
}
