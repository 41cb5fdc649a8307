// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @logp_rank(%logp: tensor<24xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects logp to have rank 2 [N, T], found 'tensor<24xf32>' of rank 1}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<24xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @old_logp_rank(%logp: tensor<4x6xf32>, %old: tensor<4x6x1xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects old_logp to have rank 2 [N, T], found 'tensor<4x6x1xf32>' of rank 3}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x6x1xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @old_logp_sequences(%logp: tensor<4x6xf32>, %old: tensor<5x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op old_logp dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 5}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<5x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @old_logp_positions(%logp: tensor<4x6xf32>, %old: tensor<4x7xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op old_logp dim 1 (positions) must match logp dim 1 (positions): expected 6, found 7}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x7xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

// Advantages are one per sequence.
func.func @advantages_rank(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4x6xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects advantages to have rank 1 [N], found 'tensor<4x6xf32>' of rank 2}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @advantages_sequences(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<8xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op advantages dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 8}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<8xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @mask_rank(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<24xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects mask to have rank 2 [N, T], found 'tensor<24xi1>' of rank 1}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<24xi1>
  return
}

// -----

func.func @mask_sequences(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<3x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op mask dim 0 (sequences) must match logp dim 0 (sequences): expected 4, found 3}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<3x6xi1>
  return
}

// -----

func.func @mask_positions(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x5xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op mask dim 1 (positions) must match logp dim 1 (positions): expected 6, found 5}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x5xi1>
  return
}

// -----

func.func @eps_low_negative(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects 0 <= eps_low < 1, found -1.000000e-01 : f64}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask {eps_low = -0.1 : f64}
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

// clip(s, 1 - eps_low, ...) needs a positive lower bound.
func.func @eps_low_one(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects 0 <= eps_low < 1, found 1.000000e+00 : f64}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask {eps_low = 1.0 : f64}
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @eps_high(%logp: tensor<4x6xf32>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op expects eps_high >= 0, found -2.000000e-01 : f64}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask {eps_high = -0.2 : f64}
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}

// -----

func.func @logp_bf16(%logp: tensor<4x6xbf16>, %old: tensor<4x6xf32>, %adv: tensor<4xf32>, %mask: tensor<4x6xi1>) {
  // expected-error @+1 {{'zen.gspo_loss' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<4x6xbf16>'}}
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<4x6xbf16>, tensor<4x6xf32>, tensor<4xf32>, tensor<4x6xi1>
  return
}
