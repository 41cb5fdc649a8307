// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @a_rank(%a: tensor<10x4xf32>, %A: tensor<4xf32>, %dt: tensor<4xf32>, %dg: tensor<10x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op expects a to have rank 3 [B, T, Hv], found 'tensor<10x4xf32>' of rank 2}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<10x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<10x4xf32>
  return
}

// -----

func.func @A_log_rank(%a: tensor<2x5x4xf32>, %A: tensor<1x4xf32>, %dt: tensor<4xf32>, %dg: tensor<2x5x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op expects A_log to have rank 1 [Hv], found 'tensor<1x4xf32>' of rank 2}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<2x5x4xf32>, tensor<1x4xf32>, tensor<4xf32>, tensor<2x5x4xf32>
  return
}

// -----

func.func @dt_bias_rank(%a: tensor<2x5x4xf32>, %A: tensor<4xf32>, %dt: tensor<1x4xf32>, %dg: tensor<2x5x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op expects dt_bias to have rank 1 [Hv], found 'tensor<1x4xf32>' of rank 2}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<2x5x4xf32>, tensor<4xf32>, tensor<1x4xf32>, tensor<2x5x4xf32>
  return
}

// -----

func.func @A_log_heads(%a: tensor<2x5x4xf32>, %A: tensor<8xf32>, %dt: tensor<4xf32>, %dg: tensor<2x5x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op A_log dim 0 (Hv) must match a dim 2 (Hv): expected 4, found 8}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<2x5x4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<2x5x4xf32>
  return
}

// -----

func.func @dt_bias_heads(%a: tensor<2x5x4xf32>, %A: tensor<4xf32>, %dt: tensor<8xf32>, %dg: tensor<2x5x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op dt_bias dim 0 (Hv) must match a dim 2 (Hv): expected 4, found 8}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<2x5x4xf32>, tensor<4xf32>, tensor<8xf32>, tensor<2x5x4xf32>
  return
}

// -----

func.func @g_grad_rank(%a: tensor<2x5x4xf32>, %A: tensor<4xf32>, %dt: tensor<4xf32>, %dg: tensor<10x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op expects g_grad and a to have the same rank, found 2 and 3}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<10x4xf32>
  return
}

// -----

func.func @g_grad_shape(%a: tensor<2x5x4xf32>, %A: tensor<4xf32>, %dt: tensor<4xf32>, %dg: tensor<2x6x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op g_grad dim 1 must match a dim 1: expected 5, found 6}}
  %r:2 = zen.gdn_gates_param_grad %a, %A, %dt, %dg : tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x6x4xf32>
  return
}

// -----

func.func @result_type(%a: tensor<2x5x4xf32>, %A: tensor<4xf32>, %dg: tensor<2x5x4xf32>) {
  // expected-error @+1 {{'zen.gdn_gates_param_grad' op failed to verify that all of {A_log, A_log_grad} have same type}}
  %r:2 = "zen.gdn_gates_param_grad"(%a, %A, %A, %dg) : (tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x5x4xf32>) -> (tensor<4xbf16>, tensor<4xf32>)
  return
}
