// RUN: zen-opt %s -split-input-file -verify-diagnostics

// zen.grpo_loss_grad shares zen.grpo_loss's verifier: every message, with the loss
// cotangent %g as operand #0.

func.func @logp_rank(%g: tensor<f32>, %logp: tensor<24xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects logp to have rank 2 [N, T], found 'tensor<24xf32>' of rank 1}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<24xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @old_logp_rank(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6x1xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects old_logp to have rank 2 [N, T], found 'tensor<4x6x1xf32>' of rank 3}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6x1xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @old_logp_sequences(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<5x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op old_logp dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 5}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<5x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @old_logp_positions(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x7xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op old_logp dim 1 (positions) must match logp dim 1 (positions): expected 6, found 7}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x7xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

// Advantages are one per sequence.
func.func @advantages_rank(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4x6xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects advantages to have rank 1 [N], found 'tensor<4x6xf32>' of rank 2}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @advantages_sequences(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<8xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op advantages dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 8}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<8xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @mask_rank(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<24xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects mask to have rank 2 [N, T], found 'tensor<24xi1>' of rank 1}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<24xi1>
  return
}

// -----

func.func @mask_sequences(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<3x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op mask dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 3}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<3x6xi1>
  return
}

// -----

func.func @mask_positions(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x5xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op mask dim 1 (positions) must match logp dim 1 (positions): expected 6, found 5}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x5xi1>
  return
}

// -----

func.func @eps_low_negative(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects 0 <= eps_low < 1, found -1.000000e-01 : f64}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {eps_low = -0.1 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

// clip(s, 1 - eps_low, ...) needs a positive lower bound.
func.func @eps_low_one(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects 0 <= eps_low < 1, found 1.000000e+00 : f64}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {eps_low = 1.0 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @eps_high(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects eps_high >= 0, found -2.000000e-01 : f64}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {eps_high = -0.2 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @logp_bf16(%g: tensor<f32>, %logp: tensor<4x6xbf16>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<4x6xbf16>'}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<4x6xbf16>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @ref_rank(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>, %ref: tensor<24xf32>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects ref_logp to have rank 2 [N, T], found 'tensor<24xf32>' of rank 1}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask ref(%ref) {beta = 4.0e-2 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>, tensor<24xf32>
  return
}

// -----

func.func @ref_sequences(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>, %ref: tensor<2x6xf32>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op ref_logp dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 2}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask ref(%ref) {beta = 4.0e-2 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>, tensor<2x6xf32>
  return
}

// -----

func.func @ref_positions(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>, %ref: tensor<4x3xf32>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op ref_logp dim 1 (positions) must match logp dim 1 (positions): expected 6, found 3}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask ref(%ref) {beta = 4.0e-2 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>, tensor<4x3xf32>
  return
}

// -----

func.func @beta_negative(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>, %ref: tensor<4x6xf32>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects beta >= 0, found -1.000000e-02 : f64}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask ref(%ref) {beta = -1.0e-2 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>, tensor<4x6xf32>
  return
}

// -----

func.func @beta_without_ref(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects a ref_logp operand when beta != 0 (the k3 KL term needs the reference policy's log-probs), found beta = 4.000000e-02 : f64}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {beta = 4.0e-2 : f64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @max_length_not_dr_grpo(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op has max_completion_length, which only loss_type dr_grpo uses, with loss_type bnpo}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {loss_type = #zen.grpo_loss_type<bnpo>, max_completion_length = 8 : i64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @max_length_zero(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects max_completion_length > 0, found 0}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {loss_type = #zen.grpo_loss_type<dr_grpo>, max_completion_length = 0 : i64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

// TRL truncates completions to max_completion_length, so T never exceeds it.
func.func @max_length_below_t(%g: tensor<f32>, %logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.grpo_loss_grad' op expects max_completion_length >= 6, the completion length (logp dim 1), found 4}}
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask {loss_type = #zen.grpo_loss_type<dr_grpo>, max_completion_length = 4 : i64}
      : tensor<f32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}
