// RUN: zen-opt %s -split-input-file -verify-diagnostics

// zen.token_logprobs_grad shares zen.token_logprobs's checks (first cases),
// then checks logp, grad_logp and its optional results.

func.func @hidden_rank(%h: tensor<f32>, %w: tensor<100x64xf32>, %ids: tensor<i64>, %lp: tensor<f32>, %g: tensor<f32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects hidden to have rank >= 1 [..., H], found 'tensor<f32>' of rank 0}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<f32>, tensor<100x64xf32>, tensor<i64>, tensor<f32>, tensor<f32>
      -> hidden_grad tensor<f32>
  return
}

// -----

func.func @head_rank(%h: tensor<2x7x64xf32>, %w: tensor<64xf32>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects lm_head_w to have rank 2 [V, H], found 'tensor<64xf32>' of rank 1}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<64xf32>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @hidden_size(%h: tensor<2x7x64xf32>, %w: tensor<100x32xf32>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op lm_head_w dim 1 (hidden) must match hidden dim 2 (hidden): expected 64, found 32}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x32xf32>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @element_type(%h: tensor<2x7x64xf32>, %w: tensor<100x64xbf16>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects lm_head_w and hidden to have the same element type, found 'bf16' and 'f32'}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xbf16>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @targets_rank(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<14xi64>, %lp: tensor<14xf32>, %g: tensor<14xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects targets to have rank 2 (the dims of hidden before H), found 'tensor<14xi64>' of rank 1}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<14xi64>, tensor<14xf32>, tensor<14xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @targets_sequences(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<3x7xi64>, %lp: tensor<3x7xf32>, %g: tensor<3x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op targets dim 0 (sequences) must match hidden dim 0 (sequences): expected 2, found 3}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<3x7xi64>, tensor<3x7xf32>, tensor<3x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

// The caller shifts targets against hidden; both keep the same length.
func.func @targets_positions(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x8xi64>, %lp: tensor<2x8xf32>, %g: tensor<2x8xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op targets dim 1 (positions) must match hidden dim 1 (positions): expected 7, found 8}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x8xi64>, tensor<2x8xf32>, tensor<2x8xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @targets_other_rank(%h: tensor<2x3x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x3x6xi64>, %lp: tensor<2x3x6xf32>, %g: tensor<2x3x6xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op targets dim 2 must match hidden dim 2: expected 7, found 6}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x3x7x64xf32>, tensor<100x64xf32>, tensor<2x3x6xi64>, tensor<2x3x6xf32>, tensor<2x3x6xf32>
      -> hidden_grad tensor<2x3x7x64xf32>
  return
}

// -----

func.func @temperature(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects temperature > 0, found 0.000000e+00 : f64}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g {temperature = 0.0 : f64} : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @targets_float(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xf32>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op operand #2 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values, but got 'tensor<2x7xf32>'}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xf32>, tensor<2x7xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @logp_rank(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xi64>, %lp: tensor<14xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects logp to have rank 2 (the dims of targets), found 'tensor<14xf32>' of rank 1}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xi64>, tensor<14xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @grad_logp_shape(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x6xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op grad_logp dim 1 must match targets dim 1: expected 7, found 6}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x6xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @no_result(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects at least one result (hidden_grad or lm_head_w_grad)}}
  zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32> ->
  return
}

// -----

func.func @hidden_grad_type(%h: tensor<2x7x64xbf16>, %w: tensor<100x64xbf16>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects hidden_grad to have the type of hidden, 'tensor<2x7x64xbf16>', found 'tensor<2x7x64xf32>'}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xbf16>, tensor<100x64xbf16>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32>
      -> hidden_grad tensor<2x7x64xf32>
  return
}

// -----

func.func @lm_head_w_grad_type(%h: tensor<2x7x64xf32>, %w: tensor<100x64xf32>, %ids: tensor<2x7xi64>, %lp: tensor<2x7xf32>, %g: tensor<2x7xf32>) {
  // expected-error @+1 {{'zen.token_logprobs_grad' op expects lm_head_w_grad to have the type of lm_head_w, 'tensor<100x64xf32>', found 'tensor<101x64xf32>'}}
  %d = zen.token_logprobs_grad %h, %w, %ids, %lp, %g : tensor<2x7x64xf32>, tensor<100x64xf32>, tensor<2x7xi64>, tensor<2x7xf32>, tensor<2x7xf32>
      -> lm_head_w_grad tensor<101x64xf32>
  return
}
