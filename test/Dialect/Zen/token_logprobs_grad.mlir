// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B LoRA training: the tied LM head is frozen, only d hidden.
// CHECK-LABEL: func.func @hidden_only
// CHECK: %[[DH:.*]] = zen.token_logprobs_grad %arg0, %arg1, %arg2, %arg3, %arg4 {temperature = 0.69999999999999996 : f64} : tensor<8x511x1024xbf16>, tensor<151936x1024xbf16>, tensor<8x511xi64>, tensor<8x511xf32>, tensor<8x511xf32> -> hidden_grad tensor<8x511x1024xbf16>
// CHECK: return %[[DH]] : tensor<8x511x1024xbf16>
func.func @hidden_only(%h: tensor<8x511x1024xbf16>, %w: tensor<151936x1024xbf16>, %ids: tensor<8x511xi64>,
                       %logp: tensor<8x511xf32>, %g: tensor<8x511xf32>) -> tensor<8x511x1024xbf16> {
  %dh = zen.token_logprobs_grad %h, %w, %ids, %logp, %g {temperature = 0.7 : f64}
      : tensor<8x511x1024xbf16>, tensor<151936x1024xbf16>, tensor<8x511xi64>, tensor<8x511xf32>, tensor<8x511xf32>
      -> hidden_grad tensor<8x511x1024xbf16>
  return %dh : tensor<8x511x1024xbf16>
}

// Full fine-tuning: both cotangents; dynamic batch and sequence, i32 ids, default temperature.
// CHECK-LABEL: func.func @both
// CHECK: %[[DH:.*]], %[[DW:.*]] = zen.token_logprobs_grad %arg0, %arg1, %arg2, %arg3, %arg4 : tensor<?x?x64xf32>, tensor<100x64xf32>, tensor<?x?xi32>, tensor<?x?xf32>, tensor<?x?xf32> -> hidden_grad tensor<?x?x64xf32> lm_head_w_grad tensor<100x64xf32>
func.func @both(%h: tensor<?x?x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<?x?xi32>,
                %logp: tensor<?x?xf32>, %g: tensor<?x?xf32>) -> (tensor<?x?x64xf32>, tensor<100x64xf32>) {
  %dh, %dw = zen.token_logprobs_grad %h, %w, %ids, %logp, %g
      : tensor<?x?x64xf32>, tensor<100x64xf32>, tensor<?x?xi32>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x64xf32> lm_head_w_grad tensor<100x64xf32>
  return %dh, %dw : tensor<?x?x64xf32>, tensor<100x64xf32>
}

// Only the LM head (frozen trunk), flat [tokens, H] layout.
// CHECK-LABEL: func.func @head_only
// CHECK: zen.token_logprobs_grad %arg0, %arg1, %arg2, %arg3, %arg4 : tensor<?x64xf32>, tensor<100x64xf32>, tensor<?xi64>, tensor<?xf32>, tensor<?xf32> -> lm_head_w_grad tensor<100x64xf32>
func.func @head_only(%h: tensor<?x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<?xi64>,
                     %logp: tensor<?xf32>, %g: tensor<?xf32>) -> tensor<100x64xf32> {
  %dw = zen.token_logprobs_grad %h, %w, %ids, %logp, %g
      : tensor<?x64xf32>, tensor<100x64xf32>, tensor<?xi64>, tensor<?xf32>, tensor<?xf32>
      -> lm_head_w_grad tensor<100x64xf32>
  return %dw : tensor<100x64xf32>
}
