// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @weight_rank(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{zen.linear expects input [..., in] and weight [out, in]}}
  %y = zen.linear %x, %w : tensor<?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @in_features(%x: tensor<?x?x64xf32>, %w: tensor<128x32xf32>) {
  // expected-error @+1 {{'zen.linear' op weight dim 1 (in_features) must match input dim 2 (in_features): expected 64, found 32}}
  %y = zen.linear %x, %w : tensor<?x?x64xf32>, tensor<128x32xf32>
  return
}

// -----

func.func @element_type(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{'zen.linear' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16>
  return
}

// -----

func.func @scale_without_lora(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>) {
  // expected-error @+1 {{'zen.linear' op has lora_scale but no LoRA operands}}
  %y = zen.linear %x, %w {lora_scale = 2.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>
  return
}

// -----

func.func @lora_without_scale(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x64xf32>, %b: tensor<128x8xf32>) {
  // expected-error @+1 {{'zen.linear' op has LoRA operands but no lora_scale (alpha / r)}}
  %y = zen.linear %x, %w lora(%a, %b) : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x64xf32>, tensor<128x8xf32>
  return
}

// -----

func.func @lora_a_in(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x32xf32>, %b: tensor<128x8xf32>) {
  // expected-error @+1 {{'zen.linear' op lora_a dim 1 (in_features) must match weight dim 1 (in_features): expected 64, found 32}}
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x32xf32>, tensor<128x8xf32>
  return
}

// -----

func.func @lora_b_out(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x64xf32>, %b: tensor<96x8xf32>) {
  // expected-error @+1 {{'zen.linear' op lora_b dim 0 (out_features) must match weight dim 0 (out_features): expected 128, found 96}}
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x64xf32>, tensor<96x8xf32>
  return
}

// -----

func.func @lora_rank(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x64xf32>, %b: tensor<128x4xf32>) {
  // expected-error @+1 {{'zen.linear' op lora_b dim 1 (rank) must match lora_a dim 0 (rank): expected 8, found 4}}
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x64xf32>, tensor<128x4xf32>
  return
}

// -----

func.func @lora_rank_2(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x64x1xf32>, %b: tensor<128x8xf32>) {
  // expected-error @+1 {{'zen.linear' op expects lora_a to have rank 2 [r, in], found 'tensor<8x64x1xf32>' of rank 3}}
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x64x1xf32>, tensor<128x8xf32>
  return
}
