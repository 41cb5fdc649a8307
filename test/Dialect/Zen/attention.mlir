// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B prefill: 16 query heads share 8 KV heads (hd 128), causal, with
// a key-padding mask over the S keys.
// CHECK-LABEL: func.func @qwen3_prefill
// CHECK: %[[O:.*]] = zen.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<?x?xi1>) {causal} : tensor<?x?x16x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
// CHECK: return %[[O]] : tensor<?x?x16x128xbf16>
func.func @qwen3_prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x8x128xbf16>,
                         %v: tensor<?x?x8x128xbf16>, %m: tensor<?x?xi1>) -> tensor<?x?x16x128xbf16> {
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi1>) {causal}
      : tensor<?x?x16x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}

// Qwen3-Next gated attention decode step: 16 query heads, 2 KV heads, hd 256,
// an output gate, and a 4096-entry KV cache written at %pos; the mask covers
// every cache slot.
// CHECK-LABEL: func.func @next_gated_decode
// CHECK: %[[O:.*]], %[[KC:.*]], %[[VC:.*]] = zen.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<2x4096xi64>) gate(%arg4) cache(%arg5, %arg6 at %arg7 : tensor<2x2x4096x256xbf16>, tensor<2x2x4096x256xbf16>) {causal} : tensor<2x1x16x256xbf16>, tensor<2x1x2x256xbf16>, tensor<2x1x2x256xbf16>
// CHECK: return %[[O]], %[[KC]], %[[VC]] : tensor<2x1x16x256xbf16>, tensor<2x2x4096x256xbf16>, tensor<2x2x4096x256xbf16>
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

// Prefill into a cache with dynamic length, no mask, no gate.
// CHECK-LABEL: func.func @cache_prefill
// CHECK: zen.attention %arg0, %arg1, %arg2 cache(%arg3, %arg4 at %arg5 : tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>) {causal} : tensor<1x?x32x128xf32>, tensor<1x?x8x128xf32>, tensor<1x?x8x128xf32>
func.func @cache_prefill(%q: tensor<1x?x32x128xf32>, %k: tensor<1x?x8x128xf32>, %v: tensor<1x?x8x128xf32>,
                         %kc: tensor<1x8x?x128xf32>, %vc: tensor<1x8x?x128xf32>, %pos: tensor<i64>)
    -> (tensor<1x?x32x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>) {
  %o, %kc1, %vc1 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>) {causal}
      : tensor<1x?x32x128xf32>, tensor<1x?x8x128xf32>, tensor<1x?x8x128xf32>
  return %o, %kc1, %vc1 : tensor<1x?x32x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
}

// Bidirectional attention with an explicit scale, float mask, T != S.
// CHECK-LABEL: func.func @plain_scaled
// CHECK: zen.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<3x9xf32>) {scale = 1.250000e-01 : f64} : tensor<3x5x4x64xf32>, tensor<3x9x4x64xf32>, tensor<3x9x4x64xf32>
func.func @plain_scaled(%q: tensor<3x5x4x64xf32>, %k: tensor<3x9x4x64xf32>, %v: tensor<3x9x4x64xf32>,
                        %m: tensor<3x9xf32>) -> tensor<3x5x4x64xf32> {
  %o = zen.attention %q, %k, %v mask(%m : tensor<3x9xf32>) {scale = 0.125 : f64}
      : tensor<3x5x4x64xf32>, tensor<3x9x4x64xf32>, tensor<3x9x4x64xf32>
  return %o : tensor<3x5x4x64xf32>
}

// Nothing optional at all.
// CHECK-LABEL: func.func @bare
// CHECK: zen.attention %arg0, %arg1, %arg2 : tensor<2x7x4x16xf16>, tensor<2x7x2x16xf16>, tensor<2x7x2x16xf16>
func.func @bare(%q: tensor<2x7x4x16xf16>, %k: tensor<2x7x2x16xf16>, %v: tensor<2x7x2x16xf16>) -> tensor<2x7x4x16xf16> {
  %o = zen.attention %q, %k, %v : tensor<2x7x4x16xf16>, tensor<2x7x2x16xf16>, tensor<2x7x2x16xf16>
  return %o : tensor<2x7x4x16xf16>
}
