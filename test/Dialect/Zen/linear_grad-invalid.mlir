// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @no_result(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects at least one gradient result}}
  zen.linear_grad %dy, %x, %w : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32> ->
  return
}

// -----

func.func @input_rank(%dy: tensor<40xf32>, %x: tensor<f32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects input to have rank >= 1 [..., in], found 'tensor<f32>' of rank 0}}
  %dw = zen.linear_grad %dy, %x, %w : tensor<40xf32>, tensor<f32>, tensor<40x48xf32> -> weight_grad(tensor<40x48xf32>)
  return
}

// -----

func.func @weight_rank(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects weight to have rank 2 [out, in], found 'tensor<48xf32>' of rank 1}}
  %dx = zen.linear_grad %dy, %x, %w : tensor<7x40xf32>, tensor<7x48xf32>, tensor<48xf32> -> input_grad(tensor<7x48xf32>)
  return
}

// -----

func.func @in_features(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x32xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op weight dim 1 (in_features) must match input dim 1 (in_features): expected 48, found 32}}
  %dx = zen.linear_grad %dy, %x, %w : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x32xf32> -> input_grad(tensor<7x48xf32>)
  return
}

// -----

func.func @element_type(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xbf16>) {
  // expected-error @+1 {{'zen.linear_grad' op expects weight and input to have the same element type, found 'bf16' and 'f32'}}
  %dx = zen.linear_grad %dy, %x, %w : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xbf16> -> input_grad(tensor<7x48xf32>)
  return
}

// -----

func.func @output_grad_shape(%dy: tensor<7x41xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects output_grad to have the shape and element type of the forward result: expected 'tensor<7x40xf32>', found 'tensor<7x41xf32>'}}
  %dx = zen.linear_grad %dy, %x, %w : tensor<7x41xf32>, tensor<7x48xf32>, tensor<40x48xf32> -> input_grad(tensor<7x48xf32>)
  return
}

// -----

func.func @input_grad_type(%dy: tensor<?x40xf32>, %x: tensor<?x48xf32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects input_grad to have the type of input: expected 'tensor<?x48xf32>', found 'tensor<7x48xf32>'}}
  %dx = zen.linear_grad %dy, %x, %w : tensor<?x40xf32>, tensor<?x48xf32>, tensor<40x48xf32> -> input_grad(tensor<7x48xf32>)
  return
}

// -----

func.func @weight_grad_type(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects weight_grad to have the type of weight: expected 'tensor<40x48xf32>', found 'tensor<48x40xf32>'}}
  %dw = zen.linear_grad %dy, %x, %w : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32> -> weight_grad(tensor<48x40xf32>)
  return
}

// -----

func.func @scale_without_lora(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op has lora_scale but no LoRA operands}}
  %dx = zen.linear_grad %dy, %x, %w {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32> -> input_grad(tensor<7x48xf32>)
  return
}

// -----

func.func @lora_grad_without_lora(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op has LoRA gradient results but no LoRA operands}}
  %da = zen.linear_grad %dy, %x, %w : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32> -> lora_a_grad(tensor<4x48xf32>)
  return
}

// -----

func.func @lora_without_scale(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>, %b: tensor<40x4xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op has LoRA operands but no lora_scale (alpha / r)}}
  %da = zen.linear_grad %dy, %x, %w lora(%a, %b) : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<40x4xf32> -> lora_a_grad(tensor<4x48xf32>)
  return
}

// -----

func.func @lora_a_rank(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<48xf32>, %b: tensor<40x4xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects lora_a to have rank 2 [r, in], found 'tensor<48xf32>' of rank 1}}
  %db = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<48xf32>, tensor<40x4xf32> -> lora_b_grad(tensor<40x4xf32>)
  return
}

// -----

func.func @lora_b_rank(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>, %b: tensor<40xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects lora_b to have rank 2 [out, r], found 'tensor<40xf32>' of rank 1}}
  %da = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<40xf32> -> lora_a_grad(tensor<4x48xf32>)
  return
}

// -----

func.func @lora_a_in(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x32xf32>, %b: tensor<40x4xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op lora_a dim 1 (in_features) must match weight dim 1 (in_features): expected 48, found 32}}
  %da = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x32xf32>, tensor<40x4xf32> -> lora_a_grad(tensor<4x32xf32>)
  return
}

// -----

func.func @lora_b_out(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>, %b: tensor<30x4xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op lora_b dim 0 (out_features) must match weight dim 0 (out_features): expected 40, found 30}}
  %da = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<30x4xf32> -> lora_a_grad(tensor<4x48xf32>)
  return
}

// -----

func.func @lora_rank_mismatch(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>, %b: tensor<40x8xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op lora_b dim 1 (rank) must match lora_a dim 0 (rank): expected 4, found 8}}
  %da = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<40x8xf32> -> lora_a_grad(tensor<4x48xf32>)
  return
}

// -----

func.func @lora_a_grad_type(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>, %b: tensor<40x4xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects lora_a_grad to have the type of lora_a: expected 'tensor<4x48xf32>', found 'tensor<4x48xbf16>'}}
  %da = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<40x4xf32> -> lora_a_grad(tensor<4x48xbf16>)
  return
}

// -----

func.func @lora_b_grad_type(%dy: tensor<7x40xf32>, %x: tensor<7x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>, %b: tensor<40x4xf32>) {
  // expected-error @+1 {{'zen.linear_grad' op expects lora_b_grad to have the type of lora_b: expected 'tensor<40x4xf32>', found 'tensor<4x40xf32>'}}
  %db = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<7x40xf32>, tensor<7x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<40x4xf32> -> lora_b_grad(tensor<4x40xf32>)
  return
}
