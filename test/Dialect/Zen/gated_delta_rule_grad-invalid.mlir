// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @q_rank(%q: tensor<2x9x64xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects q to have rank 4 [B, T, Hk, dk], found 'tensor<2x9x64xf32>' of rank 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x64xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x64xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects k to have rank 4 [B, T, Hk, dk], found 'tensor<2x9x64xf32>' of rank 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x64xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x256xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects v to have rank 4 [B, T, Hv, dv], found 'tensor<2x9x256xf32>' of rank 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x256xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @g_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8x1xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects g to have rank 3 [B, T, Hv], found 'tensor<2x9x8x1xf32>' of rank 4}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8x1xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @beta_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8x1xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects beta to have rank 3 [B, T, Hv], found 'tensor<2x9x8x1xf32>' of rank 4}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8x1xf32>
  return
}

// -----

func.func @k_type(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xbf16>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects k and q to have the same element type, found 'bf16' and 'f32'}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xbf16>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_type(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xbf16>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects v and q to have the same element type, found 'bf16' and 'f32'}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xbf16>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<3x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op k dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<3x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x8x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op k dim 1 (T) must match q dim 1 (T): expected 9, found 8}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x8x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x2x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op k dim 2 (Hk) must match q dim 2 (Hk): expected 4, found 2}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x2x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @k_dk(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x8xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op k dim 3 (dk) must match q dim 3 (dk): expected 16, found 8}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x8xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<3x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op v dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<3x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x8x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op v dim 1 (T) must match q dim 1 (T): expected 9, found 8}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x8x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @v_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x6x32xf32>, %g: tensor<2x9x6xf32>, %beta: tensor<2x9x6xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op v dim 2 (Hv) must be a multiple of q dim 2 (Hk): expected a multiple of 4, found 6}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x6x32xf32>, tensor<2x9x6xf32>, tensor<2x9x6xf32>
  return
}

// -----

func.func @g_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<3x9x8xf32>, %beta: tensor<3x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op g dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<3x9x8xf32>, tensor<3x9x8xf32>
  return
}

// -----

func.func @g_time(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x8x8xf32>, %beta: tensor<2x8x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op g dim 1 (T) must match q dim 1 (T): expected 9, found 8}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x8x8xf32>, tensor<2x8x8xf32>
  return
}

// -----

func.func @g_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x4xf32>, %beta: tensor<2x9x4xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op g dim 2 (Hv) must match v dim 2 (Hv): expected 8, found 4}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x4xf32>, tensor<2x9x4xf32>
  return
}

// -----

func.func @beta_shape(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x4xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op beta dim 2 must match g dim 2: expected 8, found 4}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x4xf32>
  return
}

// -----

func.func @s0_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s0: tensor<2x8x16xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects initial_state to have rank 4 [B, Hv, dk, dv], found 'tensor<2x8x16xf32>' of rank 3}}
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v initial_state(%s0 : tensor<2x8x16xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @s0_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s0: tensor<3x8x16x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op initial_state dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v initial_state(%s0 : tensor<3x8x16x32xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @s0_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s0: tensor<2x4x16x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op initial_state dim 1 (Hv) must match v dim 2 (Hv): expected 8, found 4}}
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v initial_state(%s0 : tensor<2x4x16x32xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @s0_dk(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s0: tensor<2x8x8x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op initial_state dim 2 (dk) must match q dim 3 (dk): expected 16, found 8}}
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v initial_state(%s0 : tensor<2x8x8x32xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @s0_dv(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %s0: tensor<2x8x16x16xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op initial_state dim 3 (dv) must match v dim 3 (dv): expected 32, found 16}}
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v initial_state(%s0 : tensor<2x8x16x16xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @ds_rank(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %ds: tensor<2x8x16xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects final_state_grad to have rank 4 [B, Hv, dk, dv], found 'tensor<2x8x16xf32>' of rank 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v final_state_grad(%ds : tensor<2x8x16xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @ds_batch(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %ds: tensor<3x8x16x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op final_state_grad dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v final_state_grad(%ds : tensor<3x8x16x32xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @ds_heads(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %ds: tensor<2x4x16x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op final_state_grad dim 1 (Hv) must match v dim 2 (Hv): expected 8, found 4}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v final_state_grad(%ds : tensor<2x4x16x32xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @ds_dk(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %ds: tensor<2x8x8x32xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op final_state_grad dim 2 (dk) must match q dim 3 (dk): expected 16, found 8}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v final_state_grad(%ds : tensor<2x8x8x32xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @ds_dv(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>, %ds: tensor<2x8x16x16xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op final_state_grad dim 3 (dv) must match v dim 3 (dv): expected 32, found 16}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v final_state_grad(%ds : tensor<2x8x16x16xf32>)
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @chunk_size(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects chunk_size > 0, found 0}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v {chunk_size = 0 : i64}
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @scale(%q: tensor<2x9x4x16xf32>, %k: tensor<2x9x4x16xf32>, %v: tensor<2x9x8x32xf32>, %g: tensor<2x9x8xf32>, %beta: tensor<2x9x8xf32>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op expects scale > 0, found -1.000000e+00 : f64}}
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %v {scale = -1.0 : f64}
      : tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8x32xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>
  return
}

// -----

func.func @out_grad_type(%q: tensor<2x9x4x16xf32>, %g: tensor<2x9x8xf32>, %do: tensor<2x9x8x32xbf16>) {
  // expected-error @+1 {{'zen.gated_delta_rule_grad' op failed to verify that all of {v, out_grad} have same type}}
  %r:5 = "zen.gated_delta_rule_grad"(%q, %q, %q, %g, %g, %do) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>}>
      : (tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>, tensor<2x9x8x32xbf16>) -> (tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x4x16xf32>, tensor<2x9x8xf32>, tensor<2x9x8xf32>)
  return
}
