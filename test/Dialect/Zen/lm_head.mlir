// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B ties its embeddings: the LM head reads model.embed_tokens.weight.
// CHECK-LABEL: func.func @tied
// CHECK: %[[L:.*]] = zen.lm_head %arg0, %arg1 : tensor<?x?x1024xf32>, tensor<151936x1024xf32>
// CHECK: return %[[L]] : tensor<?x?x151936xf32>
func.func @tied(%h: tensor<?x?x1024xf32>,
                %w: tensor<151936x1024xf32> {zen.param = "model.embed_tokens.weight"}) -> tensor<?x?x151936xf32> {
  %logits = zen.lm_head %h, %w : tensor<?x?x1024xf32>, tensor<151936x1024xf32>
  return %logits : tensor<?x?x151936xf32>
}

// Qwen3-Omni thinker (vocab 152064) in bf16, last position only.
// CHECK-LABEL: func.func @omni_last_token
// CHECK: zen.lm_head %arg0, %arg1 : tensor<4x2048xbf16>, tensor<152064x2048xbf16>
func.func @omni_last_token(%h: tensor<4x2048xbf16>,
                           %w: tensor<152064x2048xbf16> {zen.param = "thinker.lm_head.weight"}) -> tensor<4x152064xbf16> {
  %logits = zen.lm_head %h, %w : tensor<4x2048xbf16>, tensor<152064x2048xbf16>
  return %logits : tensor<4x152064xbf16>
}
