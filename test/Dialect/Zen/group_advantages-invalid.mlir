// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @rewards_rank(%rewards: tensor<4x8xf32>) {
  // expected-error @+1 {{'zen.group_advantages' op expects rewards to have rank 1 [N], found 'tensor<4x8xf32>' of rank 2}}
  %adv = zen.group_advantages %rewards {group_size = 8 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @group_size(%rewards: tensor<32xf32>) {
  // expected-error @+1 {{'zen.group_advantages' op expects group_size > 0, found 0}}
  %adv = zen.group_advantages %rewards {group_size = 0 : i64} : tensor<32xf32>
  return
}

// -----

func.func @partial_group(%rewards: tensor<30xf32>) {
  // expected-error @+1 {{'zen.group_advantages' op rewards dim 0 (sequences) must be a multiple of group_size: expected a multiple of 8, found 30}}
  %adv = zen.group_advantages %rewards {group_size = 8 : i64} : tensor<30xf32>
  return
}

// -----

func.func @eps(%rewards: tensor<32xf32>) {
  // expected-error @+1 {{'zen.group_advantages' op expects eps >= 0, found -1.000000e-04 : f64}}
  %adv = zen.group_advantages %rewards {group_size = 8 : i64, eps = -1.0e-4 : f64} : tensor<32xf32>
  return
}

// -----

func.func @missing_group_size(%rewards: tensor<32xf32>) {
  // expected-error @+1 {{'zen.group_advantages' op requires attribute 'group_size'}}
  %adv = zen.group_advantages %rewards : tensor<32xf32>
  return
}

// -----

func.func @bf16_rewards(%rewards: tensor<32xbf16>) {
  // expected-error @+1 {{'zen.group_advantages' op operand #0 must be ranked tensor of 32-bit float values, but got 'tensor<32xbf16>'}}
  %adv = zen.group_advantages %rewards {group_size = 8 : i64} : tensor<32xbf16>
  return
}
