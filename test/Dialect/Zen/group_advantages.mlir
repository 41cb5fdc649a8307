// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// 4 prompts x 8 completions, TRL defaults (scale by the group std, eps 1e-4).
// CHECK-LABEL: func.func @trl_defaults
// CHECK: %[[A:.*]] = zen.group_advantages %arg0 {group_size = 8 : i64} : tensor<32xf32>
// CHECK: return %[[A]] : tensor<32xf32>
func.func @trl_defaults(%rewards: tensor<32xf32>) -> tensor<32xf32> {
  %adv = zen.group_advantages %rewards {group_size = 8 : i64} : tensor<32xf32>
  return %adv : tensor<32xf32>
}

// scale_rewards="batch" and "none"; a dynamic batch.
// CHECK-LABEL: func.func @scalings
// CHECK: zen.group_advantages %arg0 {group_size = 16 : i64, scaling = #zen.reward_scaling<batch>} : tensor<?xf32>
// CHECK: zen.group_advantages %arg0 {eps = 0.000000e+00 : f64, group_size = 16 : i64, scaling = #zen.reward_scaling<none>} : tensor<?xf32>
func.func @scalings(%rewards: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %b = zen.group_advantages %rewards {group_size = 16 : i64, scaling = #zen.reward_scaling<batch>} : tensor<?xf32>
  %n = zen.group_advantages %rewards {group_size = 16 : i64, scaling = #zen.reward_scaling<none>, eps = 0.0 : f64} : tensor<?xf32>
  return %b, %n : tensor<?xf32>, tensor<?xf32>
}
