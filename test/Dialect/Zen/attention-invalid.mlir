// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @cache_group(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>) {
  // expected-error @+1 {{'zen.attention' op expects k_cache, v_cache and cache_position together, found only k_cache, v_cache}}
  %o:3 = "zen.attention"(%q, %k, %v, %kc, %vc) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0>, resultSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>) -> (tensor<2x7x16x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>)
  return
}

// -----

func.func @cache_results_without_cache(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op has updated-cache results but no cache operands}}
  %o:3 = "zen.attention"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>) -> (tensor<2x7x16x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>)
  return
}

// -----

func.func @cache_without_results(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op expects new_k_cache and new_v_cache results with a cache, found 0 of them}}
  %o = "zen.attention"(%q, %k, %v, %kc, %vc, %pos) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 1>, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>, tensor<i64>) -> tensor<2x7x16x128xf32>
  return
}

// -----

func.func @result_count(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{operation defines 3 results but was provided 1 to bind}}
  %o = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @new_cache_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op expects new_k_cache to have the type of k_cache: expected 'tensor<2x8x64x128xf32>', found 'tensor<2x8x?x128xf32>'}}
  %o:3 = "zen.attention"(%q, %k, %v, %kc, %vc, %pos) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 1>, resultSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>, tensor<i64>) -> (tensor<2x7x16x128xf32>, tensor<2x8x?x128xf32>, tensor<2x8x64x128xf32>)
  return
}

// -----

func.func @out_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op failed to verify that all of {q, out} have same type}}
  %o = "zen.attention"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>) -> tensor<2x7x16x128xbf16>
  return
}

// -----

func.func @gate_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %g: tensor<2x7x16x64xf32>) {
  // expected-error @+1 {{'zen.attention' op failed to verify that gate has the type of q}}
  %o = "zen.attention"(%q, %k, %v, %g) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x16x64xf32>) -> tensor<2x7x16x128xf32>
  return
}

// -----

func.func @position_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<1xi64>) {
  // expected-error @+1 {{'zen.attention' op operand #5 must be 0D tensor of 64-bit signless integer values, but got 'tensor<1xi64>'}}
  %o:3 = "zen.attention"(%q, %k, %v, %kc, %vc, %pos) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 1>, resultSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>, tensor<1xi64>) -> (tensor<2x7x16x128xf32>, tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>)
  return
}

// -----

func.func @q_rank(%q: tensor<2x7x2048xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op expects q to have rank 4 [B, T, nh, hd], found 'tensor<2x7x2048xf32>' of rank 3}}
  %o = zen.attention %q, %k, %v : tensor<2x7x2048xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @k_rank(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x1024xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op expects k to have rank 4 [B, S, nkv, hd], found 'tensor<2x7x1024xf32>' of rank 3}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x1024xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_rank(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x1024xf32>) {
  // expected-error @+1 {{'zen.attention' op expects v to have rank 4 [B, S, nkv, hd], found 'tensor<2x7x1024xf32>' of rank 3}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x1024xf32>
  return
}

// -----

func.func @k_element_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xbf16>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op expects k and q to have the same element type, found 'bf16' and 'f32'}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xbf16>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_element_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf16>) {
  // expected-error @+1 {{'zen.attention' op expects v and q to have the same element type, found 'f16' and 'f32'}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf16>
  return
}

// -----

func.func @k_batch(%q: tensor<2x7x16x128xf32>, %k: tensor<3x7x8x128xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op k dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<3x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_batch(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<3x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op v dim 0 (B) must match q dim 0 (B): expected 2, found 3}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<3x7x8x128xf32>
  return
}

// -----

func.func @v_seq(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x6x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op v dim 1 (S) must match k dim 1 (S): expected 7, found 6}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x6x8x128xf32>
  return
}

// -----

func.func @v_heads(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x4x128xf32>) {
  // expected-error @+1 {{'zen.attention' op v dim 2 (nkv) must match k dim 2 (nkv): expected 8, found 4}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x4x128xf32>
  return
}

// -----

func.func @k_head_dim(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x64xf32>, %v: tensor<2x7x8x64xf32>) {
  // expected-error @+1 {{'zen.attention' op k dim 3 (hd) must match q dim 3 (hd): expected 128, found 64}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x64xf32>, tensor<2x7x8x64xf32>
  return
}

// -----

func.func @v_head_dim(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x64xf32>) {
  // expected-error @+1 {{'zen.attention' op v dim 3 (hd) must match q dim 3 (hd): expected 128, found 64}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x64xf32>
  return
}

// -----

func.func @gqa_groups(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x6x128xf32>, %v: tensor<2x7x6x128xf32>) {
  // expected-error @+1 {{'zen.attention' op q dim 2 (nh) must be a multiple of k dim 2 (nkv): expected a multiple of 6, found 16}}
  %o = zen.attention %q, %k, %v : tensor<2x7x16x128xf32>, tensor<2x7x6x128xf32>, tensor<2x7x6x128xf32>
  return
}

// -----

func.func @mask_rank(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %m: tensor<2x1x7xi1>) {
  // expected-error @+1 {{'zen.attention' op expects mask to have rank 2 [B, Skv], found 'tensor<2x1x7xi1>' of rank 3}}
  %o = zen.attention %q, %k, %v mask(%m : tensor<2x1x7xi1>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @mask_batch(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %m: tensor<1x7xi1>) {
  // expected-error @+1 {{'zen.attention' op mask dim 0 (B) must match q dim 0 (B): expected 2, found 1}}
  %o = zen.attention %q, %k, %v mask(%m : tensor<1x7xi1>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @mask_keys(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %m: tensor<2x8xi64>) {
  // expected-error @+1 {{'zen.attention' op mask dim 1 (Skv) must match k dim 1 (S): expected 7, found 8}}
  %o = zen.attention %q, %k, %v mask(%m : tensor<2x8xi64>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @scale(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op expects scale > 0, found 0.000000e+00 : f64}}
  %o = zen.attention %q, %k, %v {scale = 0.0 : f64} : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @negative_scale(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>) {
  // expected-error @+1 {{'zen.attention' op expects scale > 0, found -1.000000e+00 : f64}}
  %o = zen.attention %q, %k, %v {causal, scale = -1.0 : f64} : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @k_cache_rank(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x64x1024xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op expects k_cache to have rank 4 [B, nkv, Smax, hd], found 'tensor<2x64x1024xf32>' of rank 3}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x64x1024xf32>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_cache_rank(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x64x1024xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op expects v_cache to have rank 4 [B, nkv, Smax, hd], found 'tensor<2x64x1024xf32>' of rank 3}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x64x1024xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @k_cache_element_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xbf16>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op expects k_cache and q to have the same element type, found 'bf16' and 'f32'}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xbf16>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_cache_element_type(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xbf16>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op expects v_cache and q to have the same element type, found 'bf16' and 'f32'}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x8x64x128xbf16>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @k_cache_batch(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<4x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op k_cache dim 0 (B) must match q dim 0 (B): expected 2, found 4}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<4x8x64x128xf32>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @k_cache_heads(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x16x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op k_cache dim 1 (nkv) must match k dim 2 (nkv): expected 8, found 16}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x16x64x128xf32>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @k_cache_head_dim(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x256xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op k_cache dim 3 (hd) must match q dim 3 (hd): expected 128, found 256}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x256xf32>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_cache_batch(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<1x8x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op v_cache dim 0 (B) must match k_cache dim 0 (B): expected 2, found 1}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<1x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_cache_heads(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x2x64x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op v_cache dim 1 (nkv) must match k_cache dim 1 (nkv): expected 8, found 2}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x2x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_cache_length(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x32x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op v_cache dim 2 (Smax) must match k_cache dim 2 (Smax): expected 64, found 32}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x8x32x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @v_cache_head_dim(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x64xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op v_cache dim 3 (hd) must match k_cache dim 3 (hd): expected 128, found 64}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x8x64x64xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @cache_too_short(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x4x128xf32>, %vc: tensor<2x8x4x128xf32>, %pos: tensor<i64>) {
  // expected-error @+1 {{'zen.attention' op k dim 1 (S) must not exceed k_cache dim 2 (Smax): expected at most 4, found 7}}
  %o:3 = zen.attention %q, %k, %v cache(%kc, %vc at %pos : tensor<2x8x4x128xf32>, tensor<2x8x4x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}

// -----

func.func @mask_cache_length(%q: tensor<2x7x16x128xf32>, %k: tensor<2x7x8x128xf32>, %v: tensor<2x7x8x128xf32>, %kc: tensor<2x8x64x128xf32>, %vc: tensor<2x8x64x128xf32>, %pos: tensor<i64>, %m: tensor<2x7xi1>) {
  // expected-error @+1 {{'zen.attention' op mask dim 1 (Skv) must match k_cache dim 2 (Smax): expected 64, found 7}}
  %o:3 = zen.attention %q, %k, %v mask(%m : tensor<2x7xi1>) cache(%kc, %vc at %pos : tensor<2x8x64x128xf32>, tensor<2x8x64x128xf32>) : tensor<2x7x16x128xf32>, tensor<2x7x8x128xf32>, tensor<2x7x8x128xf32>
  return
}
