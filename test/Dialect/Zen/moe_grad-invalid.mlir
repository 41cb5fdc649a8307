// RUN: zen-opt %s -split-input-file -verify-diagnostics

// Every case starts from a valid backward (3 tokens, k = 2, E = 4 experts,
// I = 32, H = 64, shared width Is = 48) and breaks one thing.

func.func @input_rank(%x: tensor<f32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<f32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects input to have rank >= 1 [..., H], found 'tensor<f32>' of rank 0}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<f32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<f32> -> weights_grad tensor<3x2xf32>
  return
}

// -----

func.func @weights_rank(%x: tensor<3x64xf32>, %w: tensor<2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects weights to have rank 2 [..., k], found 'tensor<2xf32>' of rank 1}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @weights_tokens(%x: tensor<3x64xf32>, %w: tensor<5x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op weights dim 0 (token) must match input dim 0 (token): expected 3, found 5}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<5x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @indices_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects indices and weights to have the same rank, found 1 and 2}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @indices_slots(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x3xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op indices dim 1 must match weights dim 1: expected 2, found 3}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x3xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @gate_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects gate_w to have rank 3 [E, I, H], found 'tensor<32x64xf32>' of rank 2}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @up_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects up_w to have rank 3 [E, I, H], found 'tensor<32x64xf32>' of rank 2}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @down_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects down_w to have rank 3 [E, H, I], found 'tensor<64x32xf32>' of rank 2}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @gate_hidden(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x16xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op gate_w dim 2 (hidden) must match input dim 1 (hidden): expected 64, found 16}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x16xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @up_hidden(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x16xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op up_w dim 2 (hidden) must match input dim 1 (hidden): expected 64, found 16}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x16xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @down_hidden(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x16x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op down_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 16}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x16x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @up_experts(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op up_w dim 0 (experts) must match gate_w dim 0 (experts): expected 4, found 8}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<8x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @down_experts(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<8x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op down_w dim 0 (experts) must match gate_w dim 0 (experts): expected 4, found 8}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<8x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @up_width(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x16x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op up_w dim 1 (moe_intermediate) must match gate_w dim 1 (moe_intermediate): expected 32, found 16}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x16x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @down_width(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x16xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op down_w dim 2 (moe_intermediate) must match gate_w dim 1 (moe_intermediate): expected 32, found 16}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x16xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @expert_dtype(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xbf16>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects gate_w and input to have the same element type, found 'bf16' and 'f32'}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xbf16>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @result_grad_type(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xbf16>) {
  // expected-error @+1 {{'zen.moe_grad' op failed to verify that all of {input, result_grad} have same type}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xbf16> -> input_grad tensor<3x64xf32>
  return
}

// -----

// The custom syntax keeps the shared-expert group whole; the generic form can split it.
func.func @shared_partial(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects all four shared-expert operands (shared_gate_w, shared_up_w, shared_down_w, shared_expert_gate_w) or none, found 2}}
  %r = "zen.moe_grad"(%x, %w, %i, %g, %u, %d, %dy, %sg, %su) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0, 0>}>
      : (tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xf32>) -> tensor<3x64xf32>
  return
}

// -----

func.func @shared_gate_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48xf32>, %su: tensor<48x64xf32>, %sd: tensor<64x48xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects shared_gate_w to have rank 2 [Is, H], found 'tensor<48xf32>' of rank 1}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_down_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>, %sd: tensor<64xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects shared_down_w to have rank 2 [H, Is], found 'tensor<64xf32>' of rank 1}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64xf32>, tensor<1x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_scalar_rank(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>, %sd: tensor<64x48xf32>, %seg: tensor<64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects shared_expert_gate_w to have rank 2 [1, H], found 'tensor<64xf32>' of rank 1}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_hidden(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x32xf32>, %sd: tensor<64x48xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op shared_up_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 32}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x32xf32>, tensor<64x48xf32>, tensor<1x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_down_hidden(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>, %sd: tensor<32x48xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op shared_down_w dim 0 (hidden) must match input dim 1 (hidden): expected 64, found 32}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<32x48xf32>, tensor<1x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_width(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>, %sd: tensor<64x40xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op shared_down_w dim 1 (shared_intermediate) must match shared_gate_w dim 0 (shared_intermediate): expected 48, found 40}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x40xf32>, tensor<1x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_gate_outputs(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>, %sd: tensor<64x48xf32>, %seg: tensor<2x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op shared_expert_gate_w dim 0 (gate outputs): expected 1, found 2}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<2x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @shared_dtype(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xbf16>, %sd: tensor<64x48xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects shared_up_w and input to have the same element type, found 'bf16' and 'f32'}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg) : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32>, tensor<48x64xf32>, tensor<48x64xbf16>, tensor<64x48xf32>, tensor<1x64xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @no_grads(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects at least one gradient result (input_grad, weights_grad, gate_w_grad, up_w_grad, down_w_grad, shared_*_grad)}}
  zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> ->
  return
}

// -----

func.func @grad_type(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects gate_w_grad to have the type of gate_w 'tensor<4x32x64xf32>', found 'tensor<4x32x64xbf16>'}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> gate_w_grad tensor<4x32x64xbf16>
  return
}

// -----

func.func @weights_grad_type(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects weights_grad to have the type of weights 'tensor<3x2xf32>', found 'tensor<3x?xf32>'}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> weights_grad tensor<3x?xf32>
  return
}

// -----

func.func @shared_grad_without_shared(%x: tensor<3x64xf32>, %w: tensor<3x2xf32>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op expects no shared_down_w_grad without shared_down_w}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xf32>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> shared_down_w_grad tensor<64x48xf32>
  return
}

// -----

func.func @weights_bf16(%x: tensor<3x64xf32>, %w: tensor<3x2xbf16>, %i: tensor<3x2xi64>, %g: tensor<4x32x64xf32>, %u: tensor<4x32x64xf32>, %d: tensor<4x64x32xf32>, %dy: tensor<3x64xf32>) {
  // expected-error @+1 {{'zen.moe_grad' op operand #1 must be ranked tensor of 32-bit float values, but got 'tensor<3x2xbf16>'}}
  %r = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy : tensor<3x64xf32>, tensor<3x2xbf16>, tensor<3x2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<3x64xf32> -> input_grad tensor<3x64xf32>
  return
}
