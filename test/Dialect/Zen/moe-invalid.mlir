// RUN: zen-opt %s -split-input-file -verify-diagnostics

// Every case starts from a valid block (E = 4 experts, I = 32, H = 64, shared
// width Is = 48) and breaks one thing.

func.func @input_rank(%x: tensor<f32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects input to have rank >= 1 [..., H], found 'tensor<f32>' of rank 0}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<f32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @router_rank(%x: tensor<?x64xf32>, %router: tensor<4x64x1xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects router_w to have rank 2 [E, H], found 'tensor<4x64x1xf32>' of rank 3}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64x1xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @gate_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects gate_w to have rank 3 [E, I, H], found 'tensor<32x64xf32>' of rank 2}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @up_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects up_w to have rank 3 [E, I, H], found 'tensor<32x64xf32>' of rank 2}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @down_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects down_w to have rank 3 [E, H, I], found 'tensor<64x32xf32>' of rank 2}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<64x32xf32>
  return
}

// -----

func.func @router_hidden(%x: tensor<?x64xf32>, %router: tensor<4x60xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op router_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x60xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @gate_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x60xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op gate_w dim 2 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x60xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @up_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x60xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op up_w dim 2 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x60xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @down_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x60x32xf32>) {
  // expected-error @+1 {{'zen.moe' op down_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x60x32xf32>
  return
}

// -----

func.func @gate_experts(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<5x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op gate_w dim 0 (experts) must match router_w dim 0 (experts): expected 4, found 5}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<5x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @up_experts(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<5x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op up_w dim 0 (experts) must match router_w dim 0 (experts): expected 4, found 5}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<5x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @down_experts(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<5x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op down_w dim 0 (experts) must match router_w dim 0 (experts): expected 4, found 5}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<5x64x32xf32>
  return
}

// -----

func.func @up_width(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x16x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op up_w dim 1 (moe_intermediate) must match gate_w dim 1 (moe_intermediate): expected 32, found 16}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x16x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @down_width(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'zen.moe' op down_w dim 2 (moe_intermediate) must match gate_w dim 1 (moe_intermediate): expected 32, found 16}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x16xf32>
  return
}

// -----

func.func @router_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xbf16>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects router_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xbf16>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @gate_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xbf16>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects gate_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xbf16>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @up_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xbf16>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects up_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xbf16>, tensor<4x64x32xf32>
  return
}

// -----

func.func @down_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xbf16>) {
  // expected-error @+1 {{'zen.moe' op expects down_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xbf16>
  return
}

// -----

func.func @top_k_zero(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects top_k > 0, found -1}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = -1 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @top_k_above_experts(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>) {
  // expected-error @+1 {{'zen.moe' op expects top_k <= 4, the number of experts (router_w dim 0), found 5}}
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 5 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>
  return
}

// -----

func.func @shared_gate_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_gate_w to have rank 2 [Is, H], found 'tensor<64xf32>' of rank 1}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_up_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_up_w to have rank 2 [Is, H], found 'tensor<64xf32>' of rank 1}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_down_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_down_w to have rank 2 [H, Is], found 'tensor<64xf32>' of rank 1}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_expert_gate_rank(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_expert_gate_w to have rank 2 [1, H], found 'tensor<64xf32>' of rank 1}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<64xf32>
  return
}

// -----

func.func @shared_gate_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x60xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_gate_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x60xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_up_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x60xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_up_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x60xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_down_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<60x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_down_w dim 0 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<60x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_expert_gate_hidden(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x60xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_expert_gate_w dim 1 (hidden) must match input dim 1 (hidden): expected 64, found 60}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x60xf32>
  return
}

// -----

func.func @shared_up_width(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<40x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_up_w dim 0 (shared_intermediate) must match shared_gate_w dim 0 (shared_intermediate): expected 48, found 40}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<40x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_down_width(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x40xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_down_w dim 1 (shared_intermediate) must match shared_gate_w dim 0 (shared_intermediate): expected 48, found 40}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x40xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_expert_gate_outputs(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<2x64xf32>) {
  // expected-error @+1 {{'zen.moe' op shared_expert_gate_w dim 0 (gate outputs): expected 1, found 2}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<2x64xf32>
  return
}

// -----

func.func @shared_gate_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xbf16>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_gate_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xbf16>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_up_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xbf16>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_up_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xbf16>, tensor<64x48xf32>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_down_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xbf16>, %segate: tensor<1x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects shared_down_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xbf16>, tensor<1x64xf32>
  return
}

// -----

func.func @shared_expert_gate_element_type(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>, %sdown: tensor<64x48xf32>, %segate: tensor<1x64xbf16>) {
  // expected-error @+1 {{'zen.moe' op expects shared_expert_gate_w and input to have the same element type, found 'bf16' and 'f32'}}
  %y = zen.moe %x, %router, %gate, %up, %down shared(%sgate, %sup, %sdown, %segate) {top_k = 2 : i64}
      : tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xbf16>
  return
}

// -----

// The custom syntax keeps the shared-expert group whole; the generic form can split it.
func.func @partial_shared(%x: tensor<?x64xf32>, %router: tensor<4x64xf32>, %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>) {
  // expected-error @+1 {{'zen.moe' op expects all four shared-expert operands (shared_gate_w, shared_up_w, shared_down_w, shared_expert_gate_w) or none, found 2}}
  %y = "zen.moe"(%x, %router, %gate, %up, %down, %sgate, %sup) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 0, 0>, top_k = 2 : i64}>
      : (tensor<?x64xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<48x64xf32>, tensor<48x64xf32>) -> tensor<?x64xf32>
  return
}
