// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%h: tensor<f32>, %w: tensor<151936x1024xf32>) {
  // expected-error @+1 {{zen.lm_head expects input [..., hidden] and weight [vocab, hidden]}}
  %logits = zen.lm_head %h, %w : tensor<f32>, tensor<151936x1024xf32>
  return
}

// -----

func.func @weight_rank_0(%h: tensor<?x1024xf32>, %w: tensor<f32>) {
  // expected-error @+1 {{zen.lm_head expects input [..., hidden] and weight [vocab, hidden]}}
  %logits = zen.lm_head %h, %w : tensor<?x1024xf32>, tensor<f32>
  return
}

// -----

func.func @weight_rank_1(%h: tensor<?x1024xf32>, %w: tensor<151936xf32>) {
  // expected-error @+1 {{'zen.lm_head' op expects weight to have rank 2 [vocab, hidden], found 'tensor<151936xf32>' of rank 1}}
  %logits = zen.lm_head %h, %w : tensor<?x1024xf32>, tensor<151936xf32>
  return
}

// -----

// The weight transposed: [H, V] instead of HF's [V, H].
func.func @hidden(%h: tensor<?x?x1024xf32>, %w: tensor<1024x151936xf32>) {
  // expected-error @+1 {{'zen.lm_head' op weight dim 1 (hidden) must match input dim 2 (hidden): expected 1024, found 151936}}
  %logits = zen.lm_head %h, %w : tensor<?x?x1024xf32>, tensor<1024x151936xf32>
  return
}

// -----

func.func @element_type(%h: tensor<?x1024xf32>, %w: tensor<151936x1024xbf16>) {
  // expected-error @+1 {{'zen.lm_head' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %logits = zen.lm_head %h, %w : tensor<?x1024xf32>, tensor<151936x1024xbf16>
  return
}

// -----

// A result type that disagrees with the vocabulary size (generic form).
func.func @wrong_result(%h: tensor<?x1024xf32>, %w: tensor<151936x1024xf32>) {
  // expected-error @+2 {{'zen.lm_head' op inferred type(s) 'tensor<?x151936xf32>' are incompatible with return type(s) of operation 'tensor<?x152064xf32>'}}
  // expected-error @+1 {{'zen.lm_head' op failed to infer returned types}}
  %logits = "zen.lm_head"(%h, %w) : (tensor<?x1024xf32>, tensor<151936x1024xf32>) -> tensor<?x152064xf32>
  return
}
