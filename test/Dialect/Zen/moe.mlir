// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Coder-480B-A35B: 160 experts of width 2560, 8 per token, no shared expert.
// CHECK-LABEL: func.func @coder_moe
// CHECK: %[[Y:.*]] = zen.moe %arg0, %arg1, %arg2, %arg3, %arg4 {norm_topk_prob, top_k = 8 : i64} : tensor<?x?x6144xbf16>, tensor<160x6144xbf16>, tensor<160x2560x6144xbf16>, tensor<160x2560x6144xbf16>, tensor<160x6144x2560xbf16>
// CHECK: return %[[Y]] : tensor<?x?x6144xbf16>
func.func @coder_moe(%x: tensor<?x?x6144xbf16>, %router: tensor<160x6144xbf16>,
                     %gate: tensor<160x2560x6144xbf16>, %up: tensor<160x2560x6144xbf16>,
                     %down: tensor<160x6144x2560xbf16>) -> tensor<?x?x6144xbf16> {
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 8 : i64, norm_topk_prob}
      : tensor<?x?x6144xbf16>, tensor<160x6144xbf16>, tensor<160x2560x6144xbf16>,
        tensor<160x2560x6144xbf16>, tensor<160x6144x2560xbf16>
  return %y : tensor<?x?x6144xbf16>
}

// Qwen3-Next-80B-A3B: 512 experts of width 512, 10 per token, gated shared expert.
// CHECK-LABEL: func.func @next_moe_shared
// CHECK: zen.moe %arg0, %arg1, %arg2, %arg3, %arg4 shared(%arg5, %arg6, %arg7, %arg8) {norm_topk_prob, top_k = 10 : i64} : tensor<?x?x2048xf32>, tensor<512x2048xf32>, tensor<512x512x2048xf32>, tensor<512x512x2048xf32>, tensor<512x2048x512xf32>, tensor<512x2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>, tensor<1x2048xf32>
func.func @next_moe_shared(%x: tensor<?x?x2048xf32>, %router: tensor<512x2048xf32>,
                           %gate: tensor<512x512x2048xf32>, %up: tensor<512x512x2048xf32>,
                           %down: tensor<512x2048x512xf32>,
                           %sgate: tensor<512x2048xf32>, %sup: tensor<512x2048xf32>,
                           %sdown: tensor<2048x512xf32>, %segate: tensor<1x2048xf32>) -> tensor<?x?x2048xf32> {
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate)
      {top_k = 10 : i64, norm_topk_prob}
      : tensor<?x?x2048xf32>, tensor<512x2048xf32>, tensor<512x512x2048xf32>,
        tensor<512x512x2048xf32>, tensor<512x2048x512xf32>,
        tensor<512x2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>, tensor<1x2048xf32>
  return %y : tensor<?x?x2048xf32>
}

// A tiny test-size block on flattened tokens; shared width differs from expert width.
// CHECK-LABEL: func.func @tiny_flat
// CHECK: zen.moe %arg0, %arg1, %arg2, %arg3, %arg4 shared(%arg5, %arg6, %arg7, %arg8) {top_k = 2 : i64} : tensor<5x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
func.func @tiny_flat(%x: tensor<5x64xf32>, %router: tensor<4x64xf32>,
                     %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>,
                     %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>,
                     %segate: tensor<1x64xf32>) -> tensor<5x64xf32> {
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<5x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>,
        tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return %y : tensor<5x64xf32>
}
