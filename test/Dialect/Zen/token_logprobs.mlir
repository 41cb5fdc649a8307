// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B with its tied embedding as LM head, TRL sampling temperature 0.7.
// CHECK-LABEL: func.func @nano_logprobs
// CHECK: %[[L:.*]] = zen.token_logprobs %arg0, %arg1, %arg2 {temperature = 0.69999999999999996 : f64} : tensor<8x511x1024xbf16>, tensor<151936x1024xbf16>, tensor<8x511xi64>
// CHECK: return %[[L]] : tensor<8x511xf32>
func.func @nano_logprobs(%h: tensor<8x511x1024xbf16>, %embed: tensor<151936x1024xbf16>,
                         %ids: tensor<8x511xi64>) -> tensor<8x511xf32> {
  %logp = zen.token_logprobs %h, %embed, %ids {temperature = 0.7 : f64}
      : tensor<8x511x1024xbf16>, tensor<151936x1024xbf16>, tensor<8x511xi64>
  return %logp : tensor<8x511xf32>
}

// temperature defaults to 1.0 and is then not printed; dynamic N and T.
// CHECK-LABEL: func.func @default_temperature
// CHECK: zen.token_logprobs %arg0, %arg1, %arg2 : tensor<?x?x2048xf32>, tensor<151936x2048xf32>, tensor<?x?xi32>
// CHECK: return %{{.*}} : tensor<?x?xf32>
func.func @default_temperature(%h: tensor<?x?x2048xf32>, %w: tensor<151936x2048xf32>,
                               %ids: tensor<?x?xi32>) -> tensor<?x?xf32> {
  %logp = zen.token_logprobs %h, %w, %ids {temperature = 1.0 : f64}
      : tensor<?x?x2048xf32>, tensor<151936x2048xf32>, tensor<?x?xi32>
  return %logp : tensor<?x?xf32>
}

// Flattened tokens; a dim that targets leave dynamic is taken from hidden.
// CHECK-LABEL: func.func @flat_tokens
// CHECK: zen.token_logprobs %arg0, %arg1, %arg2 : tensor<12x64xf32>, tensor<100x64xf32>, tensor<?xi64>
// CHECK: return %{{.*}} : tensor<12xf32>
func.func @flat_tokens(%h: tensor<12x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<?xi64>) -> tensor<12xf32> {
  %logp = zen.token_logprobs %h, %w, %ids : tensor<12x64xf32>, tensor<100x64xf32>, tensor<?xi64>
  return %logp : tensor<12xf32>
}

// The unfused baseline of the memory benchmark round-trips its unit attribute.
// CHECK-LABEL: func.func @materialized
// CHECK: zen.token_logprobs %arg0, %arg1, %arg2 {materialize_logits} : tensor<?x?x64xf32>, tensor<100x64xf32>, tensor<?x?xi64>
func.func @materialized(%h: tensor<?x?x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %logp = zen.token_logprobs %h, %w, %ids {materialize_logits}
      : tensor<?x?x64xf32>, tensor<100x64xf32>, tensor<?x?xi64>
  return %logp : tensor<?x?xf32>
}
