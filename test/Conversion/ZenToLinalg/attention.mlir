// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file --verify-diagnostics | FileCheck %s --implicit-check-not=zen.attention

// Qwen3-0.6B prefill: 16 query heads read 8 KV heads (j // 2), causal, i1
// key-padding mask. Six generics: q·kᵀ (reduce hd), row max, exp, row sum,
// p·v (reduce keys, a loop outside the head dim so that rows of v are read
// contiguously), normalise + round. q·kᵀ and p·v split the query heads into
// (KV head, n_rep) loops (expand_shape of the static head dim, collapsed
// after), so no indexing map needs j // n_rep.
// CHECK-DAG: #[[QMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1, d2, d5)>
// CHECK-DAG: #[[KMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d1, d5)>
// CHECK-DAG: #[[SMAP5:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[MMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[EMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d1, d4)>
// CHECK-DAG: #[[VMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d2, d5)>
// CHECK-DAG: #[[OMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-LABEL: func.func @qwen3_prefill
// CHECK-SAME: (%[[Q:.*]]: tensor<?x?x16x128xbf16>, %[[K:.*]]: tensor<?x?x8x128xbf16>, %[[V:.*]]: tensor<?x?x8x128xbf16>, %[[M:.*]]: tensor<?x?xi1>)
// CHECK: %[[QS:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3], [4]] output_shape [%{{.*}}, %{{.*}}, 8, 2, 128] : tensor<?x?x16x128xbf16> into tensor<?x?x8x2x128xbf16>
// CHECK: %[[RAWS:.*]] = linalg.generic {indexing_maps = [#[[QMAP]], #[[KMAP]], #[[SMAP5]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[QS]], %[[K]] : {{.*}}) outs(%{{.*}} : tensor<?x8x2x?x?xf32>)
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[RAW:.*]] = tensor.collapse_shape %[[RAWS]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x8x2x?x?xf32> into tensor<?x16x?x?xf32>
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[RAW]], %[[M]] : tensor<?x16x?x?xf32>, tensor<?x?xi1>) outs(%{{.*}} : tensor<?x16x?xf32>)
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: arith.cmpi ule
// CHECK: arith.cmpi ne
// CHECK: arith.andi
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[RAW]], %[[M]], %[[MAX]] : {{.*}}) outs(%{{.*}} : tensor<?x16x?x?xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.select
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[EXP]] : tensor<?x16x?x?xf32>) outs(%{{.*}} : tensor<?x16x?xf32>)
// CHECK: %[[EXPS:.*]] = tensor.expand_shape %[[EXP]] {{\[}}[0], [1, 2], [3], [4]]
// CHECK: %[[PVS:.*]] = linalg.generic {indexing_maps = [#[[EMAP]], #[[VMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[EXPS]], %[[V]] : tensor<?x8x2x?x?xf32>, tensor<?x?x8x128xbf16>) outs(%{{.*}} : tensor<?x?x8x2x128xf32>)
// CHECK: %[[PV:.*]] = tensor.collapse_shape %[[PVS]] {{\[}}[0], [1], [2, 3], [4]] : tensor<?x?x8x2x128xf32> into tensor<?x?x16x128xf32>
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[PV]], %[[SUM]] : tensor<?x?x16x128xf32>, tensor<?x16x?xf32>) outs(%{{.*}} : tensor<?x?x16x128xbf16>)
// CHECK: arith.cmpf ogt
// CHECK: arith.divf
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: return %[[OUT]]
func.func @qwen3_prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x8x128xbf16>,
                         %v: tensor<?x?x8x128xbf16>, %m: tensor<?x?xi1>) -> tensor<?x?x16x128xbf16> {
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi1>) {causal}
      : tensor<?x?x16x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}

// -----

// Qwen3-Next gated decode (GQA 8) against a 4096-slot cache: the new k, v
// are transposed into the cache window at %pos and inserted back; attention
// reads the first pos + 1 slots; the i64 mask is cut to the same length; the
// gate multiplies round(o) by round(sigmoid(gate)).
// CHECK-DAG: #[[TMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
// CHECK-DAG: #[[KCMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d5)>
// CHECK-DAG: #[[VCMAP:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d4, d5)>
// CHECK-LABEL: func.func @next_gated_decode
// CHECK-SAME: (%[[Q:[^:]*]]: {{[^,]*}}, %[[K:[^:]*]]: {{[^,]*}}, %[[V:[^:]*]]: {{[^,]*}}, %[[M:[^:]*]]: {{[^,]*}}, %[[G:[^:]*]]: {{[^,]*}}, %[[KC:[^:]*]]: {{[^,]*}}, %[[VC:[^:]*]]: {{[^,]*}}, %[[POS:[^:]*]]: tensor<i64>)
// CHECK: %[[P:.*]] = tensor.extract %[[POS]][] : tensor<i64>
// CHECK: %[[P0:.*]] = arith.index_cast %[[P]] : i64 to index
// CHECK: %[[KWIN:.*]] = tensor.extract_slice %[[KC]][0, 0, %[[P0]], 0] [2, 2, 1, 256] [1, 1, 1, 1]
// CHECK: %[[KT:.*]] = linalg.generic {indexing_maps = [#[[TMAP]], #{{.*}}], {{.*}} ins(%[[K]] : tensor<2x1x2x256xbf16>) outs(%[[KWIN]] : tensor<2x2x1x256xbf16>)
// CHECK: %[[NEWK:.*]] = tensor.insert_slice %[[KT]] into %[[KC]][0, 0, %[[P0]], 0] [2, 2, 1, 256] [1, 1, 1, 1]
// CHECK: %[[VWIN:.*]] = tensor.extract_slice %[[VC]][0, 0, %[[P0]], 0]
// CHECK: %[[VT:.*]] = linalg.generic {{.*}} ins(%[[V]] : {{.*}}) outs(%[[VWIN]] : {{.*}})
// CHECK: %[[NEWV:.*]] = tensor.insert_slice %[[VT]] into %[[VC]][0, 0, %[[P0]], 0]
// CHECK: %[[LEN:.*]] = arith.addi %[[P0]], %{{.*}} : index
// CHECK: %[[KEYS:.*]] = tensor.extract_slice %[[NEWK]][0, 0, 0, 0] [2, 2, %[[LEN]], 256] [1, 1, 1, 1] : tensor<2x2x4096x256xbf16> to tensor<2x2x?x256xbf16>
// CHECK: %[[VALS:.*]] = tensor.extract_slice %[[NEWV]][0, 0, 0, 0] [2, 2, %[[LEN]], 256]
// CHECK: %[[MS:.*]] = tensor.extract_slice %[[M]][0, 0] [2, %[[LEN]]] [1, 1] : tensor<2x4096xi64> to tensor<2x?xi64>
// CHECK: %[[SCALE:.*]] = arith.constant 6.250000e-02 : f32
// CHECK: %[[QS:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3], [4]] output_shape [2, 1, 2, 8, 256]
// CHECK: %[[RAWS:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[KCMAP]], #{{.*}}], {{.*}} ins(%[[QS]], %[[KEYS]] : {{.*}}) outs(%{{.*}} : tensor<2x2x8x1x?xf32>)
// CHECK: %[[RAW:.*]] = tensor.collapse_shape %[[RAWS]]
// CHECK: linalg.generic {{.*}} ins(%[[RAW]], %[[MS]] : tensor<2x16x1x?xf32>, tensor<2x?xi64>)
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: %[[T:.*]] = linalg.index 2
// CHECK: arith.addi %[[P0]], %[[T]]
// CHECK: arith.cmpi ule
// CHECK: arith.cmpi ne, %{{.*}}, %{{.*}} : i64
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[VCMAP]], #{{.*}}], {{.*}} ins(%{{.*}}, %[[VALS]] : tensor<2x2x8x1x?xf32>, tensor<2x2x?x256xbf16>)
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[G]] : tensor<2x1x16x256xf32>, tensor<2x16x1xf32>, tensor<2x1x16x256xbf16>) outs(%{{.*}} : tensor<2x1x16x256xbf16>)
// CHECK: arith.divf
// CHECK: arith.truncf
// CHECK: math.exp
// CHECK: arith.truncf
// CHECK: arith.mulf
// CHECK: arith.truncf
// CHECK: return %[[OUT]], %[[NEWK]], %[[NEWV]]
func.func @next_gated_decode(%q: tensor<2x1x16x256xbf16>, %k: tensor<2x1x2x256xbf16>,
                             %v: tensor<2x1x2x256xbf16>, %m: tensor<2x4096xi64>,
                             %g: tensor<2x1x16x256xbf16>,
                             %kc: tensor<2x2x4096x256xbf16>, %vc: tensor<2x2x4096x256xbf16>,
                             %pos: tensor<i64>)
    -> (tensor<2x1x16x256xbf16>, tensor<2x2x4096x256xbf16>, tensor<2x2x4096x256xbf16>) {
  %o, %kc1, %vc1 = zen.attention %q, %k, %v mask(%m : tensor<2x4096xi64>) gate(%g)
      cache(%kc, %vc at %pos : tensor<2x2x4096x256xbf16>, tensor<2x2x4096x256xbf16>) {causal}
      : tensor<2x1x16x256xbf16>, tensor<2x1x2x256xbf16>, tensor<2x1x2x256xbf16>
  return %o, %kc1, %vc1 : tensor<2x1x16x256xbf16>, tensor<2x2x4096x256xbf16>, tensor<2x2x4096x256xbf16>
}

// -----

// Bidirectional (no causal test), explicit scale, f32 mask compared with
// 0.0, GQA 1 (plain head index), T != S.
// CHECK-DAG: #[[KMAP1:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d1, d5)>
// CHECK-LABEL: func.func @plain_scaled
// CHECK: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[KMAP1]], #{{.*}}], {{.*}} outs(%{{.*}} : tensor<3x4x1x5x9xf32>)
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
// CHECK-NOT: arith.cmpi
// CHECK: arith.cmpf une
// CHECK: arith.maximumf
func.func @plain_scaled(%q: tensor<3x5x4x64xf32>, %k: tensor<3x9x4x64xf32>, %v: tensor<3x9x4x64xf32>,
                        %m: tensor<3x9xf32>) -> tensor<3x5x4x64xf32> {
  %o = zen.attention %q, %k, %v mask(%m : tensor<3x9xf32>) {scale = 0.125 : f64}
      : tensor<3x5x4x64xf32>, tensor<3x9x4x64xf32>, tensor<3x9x4x64xf32>
  return %o : tensor<3x5x4x64xf32>
}

// -----

// A dynamic head dim: the default scale hd^-0.5 is computed at run time.
// CHECK-LABEL: func.func @dynamic_hd
// CHECK: %[[HD:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[HDI:.*]] = arith.index_cast %[[HD]] : index to i64
// CHECK: %[[HDF:.*]] = arith.sitofp %[[HDI]] : i64 to f32
// CHECK: %[[SCALE:.*]] = math.rsqrt %[[HDF]] : f32
// CHECK: arith.mulf %{{.*}}, %[[SCALE]]
func.func @dynamic_hd(%q: tensor<?x?x4x?xf32>, %k: tensor<?x?x4x?xf32>, %v: tensor<?x?x4x?xf32>) -> tensor<?x?x4x?xf32> {
  %o = zen.attention %q, %k, %v : tensor<?x?x4x?xf32>, tensor<?x?x4x?xf32>, tensor<?x?x4x?xf32>
  return %o : tensor<?x?x4x?xf32>
}

// -----

// The GQA head mapping needs static head counts.
func.func @dynamic_heads(%q: tensor<1x3x?x16xf32>, %k: tensor<1x3x2x16xf32>, %v: tensor<1x3x2x16xf32>) -> tensor<1x3x?x16xf32> {
  // expected-error @+2 {{'zen.attention' op cannot be lowered with a dynamic head count: expected static q dim 2 (nh) and k dim 2 (nkv), found 'tensor<1x3x?x16xf32>' and 'tensor<1x3x2x16xf32>'}}
  // expected-error @+1 {{failed to legalize operation 'zen.attention'}}
  %o = zen.attention %q, %k, %v {causal} : tensor<1x3x?x16xf32>, tensor<1x3x2x16xf32>, tensor<1x3x2x16xf32>
  return %o : tensor<1x3x?x16xf32>
}
