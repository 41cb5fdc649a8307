// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @q_rank(%q: tensor<2x9x64xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects q to have rank 4 [B, T, Hk, dk], found 'tensor<2x9x64xf32>' of rank 3}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x64xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x64xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects k to have rank 4 [B, T, Hk, dk], found 'tensor<2x9x64xf32>' of rank 3}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x64xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x256xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects v to have rank 4 [B, T, Hv, dv], found 'tensor<2x9x256xf32>' of rank 3}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x256xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @g_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8x1xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects g to have rank 3 [B, T, Hv], found 'tensor<2x9x8x1xf32>' of rank 4}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8x1xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @beta_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<18x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects beta to have rank 3 [B, T, Hv], found 'tensor<18x8xf32>' of rank 2}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<18x8xf32>
  return
}

// -----

func.func @k_element_type(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xbf16>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects k and q to have the same element type, found 'bf16' and 'f32'}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xbf16>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_element_type(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xbf16>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects v and q to have the same element type, found 'bf16' and 'f32'}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xbf16>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<1x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op k dim 0 (B) must match q dim 0 (B): expected 2, found 1}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<1x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x8x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op k dim 1 (T) must match q dim 1 (T): expected 9, found 8}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x8x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x2x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op k dim 2 (Hk) must match q dim 2 (Hk): expected 4, found 2}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x2x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_dim(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x32xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op k dim 3 (dk) must match q dim 3 (dk): expected 16, found 32}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x32xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<3x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op v dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<3x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x1x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op v dim 1 (T) must match q dim 1 (T): expected 9, found 1}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x1x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @value_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x6x32xf32>, %g: tensor<2x9x6xf32>, %beta: tensor<2x9x6xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op v dim 2 (Hv) must be a multiple of q dim 2 (Hk): expected a multiple of 4, found 6}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x6x32xf32>, tensor<2x9x6xf32>, tensor<2x9x6xf32>
  return
}

// -----

func.func @g_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<4x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op g dim 0 (B) must match q dim 0 (B): expected 2, found 4}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<4x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @g_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x10x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op g dim 1 (T) must match q dim 1 (T): expected 9, found 10}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x10x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @g_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x4xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op g dim 2 (Hv) must match v dim 2 (Hv): expected 8, found 4}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x4xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @beta_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<1x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op beta dim 0 (B) must match q dim 0 (B): expected 2, found 1}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<1x9x8xf32>
  return
}

// -----

func.func @beta_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x3x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op beta dim 1 (T) must match q dim 1 (T): expected 9, found 3}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x3x8xf32>
  return
}

// -----

func.func @beta_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x16xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op beta dim 2 (Hv) must match v dim 2 (Hv): expected 8, found 16}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x16xf32>
  return
}

// -----

func.func @state_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s: tensor<2x8x512xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects initial_state to have rank 4 [B, Hv, dk, dv], found 'tensor<2x8x512xf32>' of rank 3}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>, tensor<2x8x512xf32>
  return
}

// -----

func.func @state_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s: tensor<1x8x16x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op initial_state dim 0 (B) must match q dim 0 (B): expected 2, found 1}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>, tensor<1x8x16x32xf32>
  return
}

// -----

func.func @state_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s: tensor<2x4x16x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op initial_state dim 1 (Hv) must match v dim 2 (Hv): expected 8, found 4}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>, tensor<2x4x16x32xf32>
  return
}

// -----

func.func @state_key_dim(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s: tensor<2x8x32x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op initial_state dim 2 (dk) must match q dim 3 (dk): expected 16, found 32}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>, tensor<2x8x32x32xf32>
  return
}

// -----

func.func @state_value_dim(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s: tensor<2x8x16x16xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op initial_state dim 3 (dv) must match v dim 3 (dv): expected 32, found 16}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta initial_state(%s)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>, tensor<2x8x16x16xf32>
  return
}

// -----

func.func @chunk_size(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects chunk_size > 0, found 0}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta {chunk_size = 0 : i64}
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @scale(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op expects scale > 0, found -1.250000e-01 : f64}}
  %o, %fs = zen.gated_delta_rule %q, %k, %v, %g, %beta {scale = -0.125 : f64}
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @g_element_type(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xbf16>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule' op operand #3 must be ranked tensor of 32-bit float values, but got 'tensor<2x9x8xbf16>'}}
  %o:2 = "zen.gated_delta_rule"(%q, %q, %v, %g, %beta) : (tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xbf16>, tensor<2x9x8xf32>) -> (tensor<2x9x8x32xf32>, tensor<2x8x16x32xf32>)
  return
}

// -----

func.func @mode(%q: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>) {
  // expected-error @+2 {{expected ::mlir::zen::DeltaRuleMode to be one of: chunked, recurrent}}
  // expected-error @+1 {{failed to parse Zen_DeltaRuleModeAttr parameter 'value' which is to be a `::mlir::zen::DeltaRuleMode`}}
  %o, %fs = zen.gated_delta_rule %q, %q, %v, %g, %g {mode = #zen.delta_rule_mode<fused>} : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @result_types(%q: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>) {
  // expected-error @+2 {{'zen.gated_delta_rule' op inferred type(s) 'tensor<2x9x8x32xf32>', 'tensor<2x8x16x32xf32>' are incompatible with return type(s) of operation 'tensor<2x9x8x32xf32>', 'tensor<2x8x32x16xf32>'}}
  // expected-error @+1 {{'zen.gated_delta_rule' op failed to infer returned types}}
  %o:2 = "zen.gated_delta_rule"(%q, %q, %v, %g, %g) : (tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>) -> (tensor<2x9x8x32xf32>, tensor<2x8x32x16xf32>)
  return
}

