// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.gated_delta_rule

// Decode step (Qwen3-Next dims). Up front: q, k L2-normalised and expanded
// to the 32 value heads (key head h floordiv 2), in head-major f32
// [B, Hv, T, dk]; v, g, beta moved to head-major f32; the initial state
// copied (the loop updates it in place). One scf.for over T carries the f32
// state and the output. Per step: e^g, u = Sᵀk, the state update written over
// S, o = Sᵀq (reducing i before the contiguous j), then o rounded to bf16
// and stored into out[:, t] element by element.

// CHECK-DAG: #[[KEYHEAD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1 floordiv 2, d3)>
// CHECK-LABEL: func.func @recurrent_decode
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x1x16x128xbf16>
// CHECK-SAME: %[[S0:[^:]+]]: tensor<1x32x128x128xf32>
// CHECK: %[[SS:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[Q]] :
// CHECK: %[[QE:[^ ]+]] = linalg.generic {indexing_maps = [#[[KEYHEAD]], {{.*}} ins(%[[Q]], %[[SS]] : {{.*}}) outs({{.*}} : tensor<1x32x1x128xf32>)
// CHECK: math.rsqrt
// CHECK: %[[S:[^ ]+]] = linalg.copy ins(%[[S0]]
// CHECK: %[[LOOP:[^ ]+]]:2 = scf.for %[[T:[^ ]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[SI:[^ ]+]] = %[[S]], %[[OUT:[^ ]+]] = %{{.*}}) -> (tensor<1x32x128x128xf32>, tensor<1x1x32x128xbf16>)
// CHECK: %[[QT:[^ ]+]] = tensor.extract_slice %[[QE]][0, 0, %[[T]], 0] [1, 32, 1, 128] [1, 1, 1, 1] : tensor<1x32x1x128xf32> to tensor<1x32x128xf32>
// CHECK: %[[DECAY:[^ ]+]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[U:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[SI]], %{{.*}}, %[[DECAY]] :
// CHECK: %[[NEXT:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "parallel"]{{.*}} ins({{.*}}%[[U]]{{.*}}) outs(%[[SI]] : tensor<1x32x128x128xf32>)
// CHECK: %[[O:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[NEXT]], %[[QT]] :
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[OUT]])
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[X:[^ ]+]] = tensor.extract %[[O]]
// CHECK: %[[R:[^ ]+]] = arith.truncf %[[X]] : f32 to bf16
// CHECK: tensor.insert %[[R]] into %{{.*}}[%{{.*}}, %[[T]], %{{.*}}, %{{.*}}]
// CHECK: scf.yield %[[NEXT]], %{{.*}} :
// CHECK: return %[[LOOP]]#1, %[[LOOP]]#0
func.func @recurrent_decode(%q: tensor<1x1x16x128xbf16>, %k: tensor<1x1x16x128xbf16>,
    %v: tensor<1x1x32x128xbf16>, %g: tensor<1x1x32xf32>, %beta: tensor<1x1x32xf32>,
    %s: tensor<1x32x128x128xf32>) -> (tensor<1x1x32x128xbf16>, tensor<1x32x128x128xf32>) {
  %o, %s1 = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      {mode = #zen.delta_rule_mode<recurrent>, use_qk_l2norm}
      : tensor<1x1x16x128xbf16>, tensor<1x1x16x128xbf16>, tensor<1x1x32x128xbf16>,
        tensor<1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x32x128x128xf32>
  return %o, %s1 : tensor<1x1x32x128xbf16>, tensor<1x32x128x128xf32>
}

// -----

// Prefill: dynamic B and T, chunks of 64 rows (the last one ragged: n =
// min(64, T - t0)), a zero initial state. Per chunk: γ, e^γ and
// e^{γ_last − γ} (one generic, two results), the k·k and q·k products
// (likewise), L and P, Tm by forward substitution (an inner scf.for over rows
// 1..n), U, W, V' (onto U), O (in out's layout), the rounded store, then the
// state: decayed in place, plus Kᵀ V' (reducing s, the third loop).

// CHECK-LABEL: func.func @chunked_prefill
// CHECK: %[[ZERO:[^ ]+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x32x128x128xf32>)
// CHECK: %[[C64:[^ ]+]] = arith.constant 64 : index
// CHECK: %[[T:[^ ]+]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x32x?x128xf32>
// CHECK: %[[LOOP:[^ ]+]]:2 = scf.for %[[T0:[^ ]+]] = %{{.*}} to %[[T]] step %[[C64]] iter_args(%[[S:[^ ]+]] = %[[ZERO]], %[[OUT:[^ ]+]] = %{{.*}}) -> (tensor<?x32x128x128xf32>, tensor<?x?x32x128xbf16>)
// CHECK: %[[LEFT:[^ ]+]] = arith.subi %[[T]], %[[T0]]
// CHECK: %[[N:[^ ]+]] = arith.minsi %[[C64]], %[[LEFT]]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, %[[T0]], 0] [%{{.*}}, 32, %[[N]], 128]
// CHECK: %[[GAMMA:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<?x32x?xf32>)
// CHECK: %[[DECAYS:[^ ]+]]:2 = linalg.generic {{.*}} ins(%[[GAMMA]],
// CHECK: %[[DOTS:[^ ]+]]:2 = linalg.generic {{.*}}["parallel", "parallel", "parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}}, %{{.*}} : tensor<?x32x?x?xf32>, tensor<?x32x?x?xf32>)
// CHECK: %[[LP:[^ ]+]]:2 = linalg.generic {{.*}}["parallel", "parallel", "parallel", "parallel"]{{.*}} ins(%[[DOTS]]#0, %[[DOTS]]#1,
// CHECK: math.exp
// CHECK: %[[TM:[^ ]+]] = scf.for %[[R:[^ ]+]] = %[[C1:[^ ]+]] to %[[N]] step %[[C1]]
// CHECK: tensor.extract_slice %[[LP]]#0[0, 0, %[[R]], 0]
// CHECK: tensor.insert %{{.*}}[%{{.*}}, %{{.*}}, %[[R]], %{{.*}}] : tensor<?x32x?x?xf32>
// CHECK: %[[U:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[TM]],
// CHECK: %[[W:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[TM]], %{{.*}}, %[[DECAYS]]#0,
// CHECK: %[[VP:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[W]], %[[S]] : {{.*}}) outs(%[[U]] :
// CHECK: %[[O1:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[DECAYS]]#0, %{{.*}}, %[[S]] : {{.*}}) outs(%{{.*}} : tensor<?x?x32x128xf32>)
// CHECK: %[[O:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction", "parallel"]{{.*}} ins(%[[LP]]#1, %[[VP]] : {{.*}}) outs(%[[O1]] :
// CHECK: %[[WRITTEN:[^ ]+]] = scf.for {{.*}} iter_args(%{{.*}} = %[[OUT]])
// CHECK: tensor.extract %[[O]]
// CHECK: %[[ROW:[^ ]+]] = arith.addi %[[T0]], %{{.*}} : index
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %[[ROW]], %{{.*}}, %{{.*}}] : tensor<?x?x32x128xbf16>
// CHECK: %[[DECAYED:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "parallel"]{{.*}} outs(%[[S]] : tensor<?x32x128x128xf32>)
// CHECK: %[[NEXT:[^ ]+]] = linalg.generic {{.*}}["parallel", "parallel", "reduction", "parallel", "parallel"]{{.*}} ins(%[[DECAYS]]#1, %{{.*}}, %[[VP]] : {{.*}}) outs(%[[DECAYED]] :
// CHECK: scf.yield %[[NEXT]], %[[WRITTEN]]
// CHECK: return %[[LOOP]]#1, %[[LOOP]]#0
func.func @chunked_prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x16x128xbf16>,
    %v: tensor<?x?x32x128xbf16>, %g: tensor<?x?x32xf32>, %beta: tensor<?x?x32xf32>)
    -> (tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>) {
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta {use_qk_l2norm}
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>,
        tensor<?x?x32xf32>, tensor<?x?x32xf32>
  return %o, %s : tensor<?x?x32x128xbf16>, tensor<?x32x128x128xf32>
}

// -----

// Dynamic head counts and dk: the key head is read with tensor.extract at
// h / (Hv / Hk), and dk^-0.5 is computed at run time. No L2 norm.

// CHECK-LABEL: func.func @dynamic_heads
// CHECK: %[[DK:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x?x?x?xf32>
// CHECK: %[[DKI:.*]] = arith.index_cast %[[DK]] : index to i64
// CHECK: %[[DKF:.*]] = arith.sitofp %[[DKI]]
// CHECK: %[[SCALE:.*]] = math.rsqrt %[[DKF]] : f32
// CHECK: %[[RATIO:.*]] = arith.divui
// CHECK: linalg.generic {{.*}}outs(%{{.*}} : tensor<?x?x?x?xf32>)
// CHECK: %[[KH:.*]] = arith.divui %{{.*}}, %[[RATIO]] : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %[[KH]], %{{.*}}] : tensor<?x?x?x?xf32>
// CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: scf.for
// CHECK: scf.for
func.func @dynamic_heads(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
    %v: tensor<?x?x?x?xf32>, %g: tensor<?x?x?xf32>, %beta: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta {chunk_size = 16 : i64}
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>,
        tensor<?x?x?xf32>, tensor<?x?x?xf32>
  return %o, %s : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}

// -----

// Mixed static and dynamic dims: operands are cast to the most static type
// first, and the results back to the op's inferred types.

// CHECK-LABEL: func.func @mixed_static
// CHECK: tensor.cast %{{.*}} : tensor<?x?x2x8xf32> to tensor<3x?x2x8xf32>
// CHECK: scf.for
// CHECK: tensor.cast %{{.*}} : tensor<3x?x4x8xf32> to tensor<?x?x4x8xf32>
func.func @mixed_static(%q: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>,
    %v: tensor<?x?x4x8xf32>, %g: tensor<?x?x4xf32>, %beta: tensor<?x?x4xf32>,
    %s: tensor<3x4x8x8xf32>) -> (tensor<?x?x4x8xf32>, tensor<3x4x8x8xf32>) {
  %o, %s1 = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      {mode = #zen.delta_rule_mode<recurrent>, scale = 0.25 : f64}
      : tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x4x8xf32>,
        tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<3x4x8x8xf32>
  return %o, %s1 : tensor<?x?x4x8xf32>, tensor<3x4x8x8xf32>
}
