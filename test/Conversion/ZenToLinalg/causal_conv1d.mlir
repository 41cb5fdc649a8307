// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.causal_conv1d

// Qwen3-Next decode step (T = 1, K = 4, C = 8192) with a conv state: xpad =
// stateᵀ ‖ x is built in place ([1, K + T, C]), the depthwise conv reduces
// over the K taps reading xpad[b, t + i + 1, c], y is rounded to bf16 before
// the SiLU, and new_state is the last K columns of xpad transposed back.
// CHECK-DAG: #[[TMAP:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[XMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 + d3 + 1, d2)>
// CHECK-DAG: #[[WMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, 0, d3)>
// CHECK-DAG: #[[YMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x8192xbf16>, %[[W:.*]]: tensor<8192x1x4xbf16>, %[[S:.*]]: tensor<1x8192x4xbf16>)
// CHECK: %[[PAD:.*]] = tensor.empty() : tensor<1x5x8192xbf16>
// CHECK: %[[SWIN:.*]] = tensor.extract_slice %[[PAD]][0, 0, 0] [1, 4, 8192] [1, 1, 1]
// CHECK: %[[ST:.*]] = linalg.generic {indexing_maps = [#[[TMAP]], #[[ID3]]], {{.*}} ins(%[[S]] : tensor<1x8192x4xbf16>) outs(%[[SWIN]] : tensor<1x4x8192xbf16>)
// CHECK: %[[PAD1:.*]] = tensor.insert_slice %[[ST]] into %[[PAD]][0, 0, 0] [1, 4, 8192] [1, 1, 1]
// CHECK: %[[XWIN:.*]] = tensor.extract_slice %[[PAD1]][0, 4, 0] [1, 1, 8192] [1, 1, 1]
// CHECK: %[[XC:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x1x8192xbf16>) outs(%[[XWIN]] : tensor<1x1x8192xbf16>)
// CHECK: %[[XPAD:.*]] = tensor.insert_slice %[[XC]] into %[[PAD1]][0, 4, 0] [1, 1, 8192] [1, 1, 1]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[XMAP]], #[[WMAP]], #[[YMAP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[XPAD]], %[[W]] : tensor<1x5x8192xbf16>, tensor<8192x1x4xbf16>) outs(%{{.*}} : tensor<1x1x8192xf32>)
// CHECK: arith.extf
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<1x1x8192xf32>) outs(%{{.*}} : tensor<1x1x8192xbf16>)
// CHECK: %[[YR:.*]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK: %[[YF:.*]] = arith.extf %[[YR]] : bf16 to f32
// CHECK: math.exp
// CHECK: arith.divf %[[YF]]
// CHECK: arith.truncf
// CHECK: %[[TAIL:.*]] = tensor.extract_slice %[[XPAD]][0, 1, 0] [1, 4, 8192] [1, 1, 1]
// CHECK: %[[NS:.*]] = linalg.generic {indexing_maps = [#[[TMAP]], #[[ID3]]], {{.*}} ins(%[[TAIL]] : tensor<1x4x8192xbf16>) outs(%{{.*}} : tensor<1x8192x4xbf16>)
// CHECK: return %[[OUT]], %[[NS]]
func.func @decode(%x: tensor<1x1x8192xbf16>, %w: tensor<8192x1x4xbf16>, %s: tensor<1x8192x4xbf16>)
    -> (tensor<1x1x8192xbf16>, tensor<1x8192x4xbf16>) {
  %y, %s1 = zen.causal_conv1d %x, %w state(%s)
      : tensor<1x1x8192xbf16>, tensor<8192x1x4xbf16>, tensor<1x8192x4xbf16>
  return %y, %s1 : tensor<1x1x8192xbf16>, tensor<1x8192x4xbf16>
}

// -----

// Prefill without a state, dynamic B and T: the first K columns of xpad are
// zero-filled, x goes at column K, new_state starts at column T (so T < K
// keeps K - T zero columns). No activation: y is returned as it is (f32).
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8192xf32>, %[[W:.*]]: tensor<8192x1x4xf32>)
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[T:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[LEN:.*]] = arith.addi %[[T]], %c4 : index
// CHECK: %[[PAD:.*]] = tensor.empty(%[[B]], %[[LEN]]) : tensor<?x?x8192xf32>
// CHECK: %[[ZWIN:.*]] = tensor.extract_slice %[[PAD]][0, 0, 0] [%[[B]], 4, 8192]
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ZWIN]] : tensor<?x4x8192xf32>)
// CHECK: %[[PAD1:.*]] = tensor.insert_slice %[[Z]] into %[[PAD]][0, 0, 0] [%[[B]], 4, 8192]
// CHECK: tensor.extract_slice %[[PAD1]][0, 4, 0] [%[[B]], %[[T]], 8192]
// CHECK: %[[XPAD:.*]] = tensor.insert_slice %{{.*}} into %[[PAD1]][0, 4, 0] [%[[B]], %[[T]], 8192]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[XPAD]], %[[W]] : tensor<?x?x8192xf32>, tensor<8192x1x4xf32>) outs(%{{.*}} : tensor<?x?x8192xf32>)
// CHECK-NOT: math.exp
// CHECK: %[[TAIL:.*]] = tensor.extract_slice %[[XPAD]][0, %[[T]], 0] [%[[B]], 4, 8192] [1, 1, 1]
// CHECK: %[[NS:.*]] = linalg.generic {{.*}} ins(%[[TAIL]] : tensor<?x4x8192xf32>) outs(%{{.*}} : tensor<?x8192x4xf32>)
// CHECK: return %[[Y]], %[[NS]]
func.func @prefill(%x: tensor<?x?x8192xf32>, %w: tensor<8192x1x4xf32>)
    -> (tensor<?x?x8192xf32>, tensor<?x8192x4xf32>) {
  %y, %s = zen.causal_conv1d %x, %w {activation = #zen.activation<none>}
      : tensor<?x?x8192xf32>, tensor<8192x1x4xf32>
  return %y, %s : tensor<?x?x8192xf32>, tensor<?x8192x4xf32>
}

// -----

// gelu (erf written out in arith + math.exp: the CPU pipeline has no
// math.erf lowering) and gelu_tanh (math.tanh).
// CHECK-LABEL: func.func @gelu
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3x16xf32>)
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.copysign
// CHECK-NOT: math.erf
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: math.tanh
func.func @gelu(%x: tensor<2x3x16xf32>, %w: tensor<16x1x3xf32>, %s: tensor<2x16x3xf32>)
    -> (tensor<2x3x16xf32>, tensor<2x16x3xf32>) {
  %y, %s1 = zen.causal_conv1d %x, %w state(%s) {activation = #zen.activation<gelu>}
      : tensor<2x3x16xf32>, tensor<16x1x3xf32>, tensor<2x16x3xf32>
  return %y, %s1 : tensor<2x3x16xf32>, tensor<2x16x3xf32>
}
func.func @gelu_tanh(%x: tensor<2x3x16xf32>, %w: tensor<16x1x3xf32>)
    -> (tensor<2x3x16xf32>, tensor<2x16x3xf32>) {
  %y, %s1 = zen.causal_conv1d %x, %w {activation = #zen.activation<gelu_tanh>}
      : tensor<2x3x16xf32>, tensor<16x1x3xf32>
  return %y, %s1 : tensor<2x3x16xf32>, tensor<2x16x3xf32>
}
