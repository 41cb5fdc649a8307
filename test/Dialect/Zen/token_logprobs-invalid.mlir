// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @hidden_rank(%h: tensor<f32>, %w: tensor<100x64xf32>, %ids: tensor<i64>) {
  // expected-error @+1 {{'zen.token_logprobs' op expects hidden to have rank >= 1 [..., H], found 'tensor<f32>' of rank 0}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<f32>, tensor<100x64xf32>, tensor<i64>
  return
}

// -----

func.func @head_rank(%h: tensor<2x7x64xf32>, %w: tensor<64xf32>, %ids: tensor<2x7xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op expects lm_head_w to have rank 2 [V, H], found 'tensor<64xf32>' of rank 1}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<64xf32>, tensor<2x7xi64>
  return
}

// -----

func.func @hidden_size(%h: tensor<2x7x64xf32>, %w: tensor<100x32xf32>, %ids: tensor<2x7xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op lm_head_w dim 1 (hidden) must match hidden dim 2 (hidden): expected 64, found 32}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<100x32xf32>, tensor<2x7xi64>
  return
}

// -----

func.func @element_type(%h: tensor<2x7x64xf32>, %w: tensor<100x64xbf16>, %ids: tensor<2x7xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op expects lm_head_w and hidden to have the same element type, found 'bf16' and 'f32'}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<100x64xbf16>, tensor<2x7xi64>
  return
}

// -----

func.func @targets_rank(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<14xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op expects targets to have rank 2 (the dims of hidden before H), found 'tensor<14xi64>' of rank 1}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<14xi64>
  return
}

// -----

func.func @targets_sequences(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<3x7xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op targets dim 0 (sequences) must match hidden dim 0 (sequences): expected 2, found 3}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<3x7xi64>
  return
}

// -----

// The caller shifts targets against hidden; both keep the same length.
func.func @targets_positions(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x8xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op targets dim 1 (positions) must match hidden dim 1 (positions): expected 7, found 8}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x8xi64>
  return
}

// -----

func.func @targets_other_rank(%h: tensor<2x3x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x3x6xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op targets dim 2 must match hidden dim 2: expected 7, found 6}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x3x7x64xf32>, tensor<100x64xf32>, tensor<2x3x6xi64>
  return
}

// -----

func.func @temperature(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xi64>) {
  // expected-error @+1 {{'zen.token_logprobs' op expects temperature > 0, found 0.000000e+00 : f64}}
  %logp = zen.token_logprobs %h, %w, %ids {temperature = 0.0 : f64} : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xi64>
  return
}

// -----

func.func @targets_float(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs' op operand #2 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values, but got 'tensor<2x7xf32>'}}
  %logp = zen.token_logprobs %h, %w, %ids : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xf32>
  return
}
