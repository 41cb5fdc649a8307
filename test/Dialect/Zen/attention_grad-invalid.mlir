// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @no_result(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects at least one gradient result}}
  zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> ->
  return
}

// -----

func.func @q_rank(%dy: tensor<2x3x32xf32>, %q: tensor<2x3x32xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects q to have rank 4 [B, T, nh, hd], found 'tensor<2x3x32xf32>' of rank 3}}
  %dv = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x32xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> v_grad(tensor<2x3x2x8xf32>)
  return
}

// -----

func.func @k_rank(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x16xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects k to have rank 4 [B, S, nkv, hd], found 'tensor<2x3x16xf32>' of rank 3}}
  %dv = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x16xf32>, tensor<2x3x2x8xf32> -> v_grad(tensor<2x3x2x8xf32>)
  return
}

// -----

func.func @v_rank(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x16xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects v to have rank 4 [B, S, nkv, hd], found 'tensor<2x3x16xf32>' of rank 3}}
  %dq = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x16xf32> -> q_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @element_type(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xbf16>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects k and q to have the same element type, found 'bf16' and 'f32'}}
  %dq = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xbf16>, tensor<2x3x2x8xf32> -> q_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @seq(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x5x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op v dim 1 (S) must match k dim 1 (S): expected 3, found 5}}
  %dq = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x5x2x8xf32> -> q_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @heads(%dy: tensor<2x3x5x8xf32>, %q: tensor<2x3x5x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op q dim 2 (nh) must be a multiple of k dim 2 (nkv): expected a multiple of 2, found 5}}
  %dq = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x5x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> q_grad(tensor<2x3x5x8xf32>)
  return
}

// -----

func.func @mask_rank(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>, %m: tensor<6xi64>) {
  // expected-error @+1 {{'zen.attention_grad' op expects mask to have rank 2 [B, S], found 'tensor<6xi64>' of rank 1}}
  %dq = zen.attention_grad %dy, %q, %k, %v mask(%m : tensor<6xi64>) : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> q_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @mask_keys(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>, %m: tensor<2x7xi64>) {
  // expected-error @+1 {{'zen.attention_grad' op mask dim 1 (S) must match k dim 1 (S): expected 3, found 7}}
  %dq = zen.attention_grad %dy, %q, %k, %v mask(%m : tensor<2x7xi64>) : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> q_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @scale(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects scale > 0, found -1.000000e+00 : f64}}
  %dq = zen.attention_grad %dy, %q, %k, %v {scale = -1.0 : f64} : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> q_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @gate_grad_without_gate(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op has a gate_grad result but no gate operand}}
  %dg = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> gate_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @k_grad_type(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects k_grad to have the type of k: expected 'tensor<2x3x2x8xf32>', found 'tensor<2x3x4x8xf32>'}}
  %dk = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> k_grad(tensor<2x3x4x8xf32>)
  return
}

// -----

func.func @q_grad_type(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects q_grad to have the type of q: expected 'tensor<2x3x4x8xf32>', found 'tensor<2x3x2x8xf32>'}}
  %dq = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> q_grad(tensor<2x3x2x8xf32>)
  return
}

// -----

func.func @v_grad_type(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects v_grad to have the type of v: expected 'tensor<2x3x2x8xf32>', found 'tensor<2x3x2x8xbf16>'}}
  %dv = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> v_grad(tensor<2x3x2x8xbf16>)
  return
}

// -----

func.func @gate_grad_type(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>, %g: tensor<2x3x4x8xf32>) {
  // expected-error @+1 {{'zen.attention_grad' op expects gate_grad to have the type of gate: expected 'tensor<2x3x4x8xf32>', found 'tensor<2x3x4x8xbf16>'}}
  %dg = zen.attention_grad %dy, %q, %k, %v gate(%g) : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> gate_grad(tensor<2x3x4x8xbf16>)
  return
}
