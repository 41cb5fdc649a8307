// RUN: zen-opt %s -split-input-file -verify-diagnostics

// Every case starts from a valid router backward (3 tokens, E = 4, H = 64,
// k = 2) and breaks one thing.

func.func @input_rank(%x: tensor<f32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects input to have rank >= 1 [..., H], found 'tensor<f32>' of rank 0}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<f32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> router_w_grad tensor<4x64xf32>
  return
}

// -----

func.func @router_rank(%x: tensor<3x64xf32>, %r: tensor<4x64x1xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects router_w to have rank 2 [E, H], found 'tensor<4x64x1xf32>' of rank 3}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64x1xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @hidden(%x: tensor<3x64xf32>, %r: tensor<4x32xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op router_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 32}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x32xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @element_type(%x: tensor<3x64xf32>, %r: tensor<4x64xbf16>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects router_w and input to have the same element type, found 'bf16' and 'f32'}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xbf16>, tensor<3x2xi64>, tensor<3x2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @indices_rank(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects indices to have rank 2 [..., k], found 'tensor<2xi64>' of rank 1}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<2xi64>, tensor<3x2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @indices_tokens(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<5x2xi64>, %dw: tensor<5x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op indices dim 0 (token) must match input dim 0 (token): expected 3, found 5}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<5x2xi64>, tensor<5x2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @dw_rank(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects weights_grad and indices to have the same rank, found 1 and 2}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @dw_slots(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x3xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op weights_grad dim 1 must match indices dim 1: expected 2, found 3}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<3x3xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @top_k(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x5xi64>, %dw: tensor<3x5xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects indices dim 1 (top_k) <= 4, the number of experts (router_w dim 0), found 5}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x5xi64>, tensor<3x5xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @no_grads(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects at least one gradient result (input_grad, router_w_grad)}}
  zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<3x2xf32> ->
  return
}

// -----

func.func @input_grad_type(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects input_grad to have the type of input 'tensor<3x64xf32>', found 'tensor<3x64xbf16>'}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> input_grad tensor<3x64xbf16>
  return
}

// -----

func.func @router_grad_type(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op expects router_w_grad to have the type of router_w 'tensor<4x64xf32>', found 'tensor<?x64xf32>'}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<3x2xf32> -> router_w_grad tensor<?x64xf32>
  return
}

// -----

func.func @indices_i32(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi32>, %dw: tensor<3x2xf32>) {
  // expected-error @+1 {{'zen.moe_router_grad' op operand #2 must be ranked tensor of 64-bit signless integer values, but got 'tensor<3x2xi32>'}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi32>, tensor<3x2xf32> -> input_grad tensor<3x64xf32>
  return
}

// -----

func.func @dw_bf16(%x: tensor<3x64xf32>, %r: tensor<4x64xf32>, %i: tensor<3x2xi64>, %dw: tensor<3x2xbf16>) {
  // expected-error @+1 {{'zen.moe_router_grad' op operand #3 must be ranked tensor of 32-bit float values, but got 'tensor<3x2xbf16>'}}
  %g = zen.moe_router_grad %x, %r, %i, %dw : tensor<3x64xf32>, tensor<4x64xf32>, tensor<3x2xi64>, tensor<3x2xbf16> -> input_grad tensor<3x64xf32>
  return
}
