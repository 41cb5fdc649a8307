// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// The paper's clip range (the defaults, not printed); 16 completions of up to 1024 tokens.
// CHECK-LABEL: func.func @gspo_defaults
// CHECK: %[[LOSS:.*]], %[[RATIO:.*]], %[[CLIP:.*]] = zen.gspo_loss %arg0, %arg1, %arg2, %arg3 : tensor<16x1024xf32>, tensor<16x1024xf32>, tensor<16xf32>, tensor<16x1024xi1>
// CHECK: return %[[LOSS]], %[[RATIO]], %[[CLIP]] : tensor<f32>, tensor<f32>, tensor<f32>
func.func @gspo_defaults(%logp: tensor<16x1024xf32>, %old: tensor<16x1024xf32>,
                         %adv: tensor<16xf32>, %mask: tensor<16x1024xi1>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      : tensor<16x1024xf32>, tensor<16x1024xf32>, tensor<16xf32>, tensor<16x1024xi1>
  return %loss, %ratio, %clip : tensor<f32>, tensor<f32>, tensor<f32>
}

// GSPO-token with a wider clip range, dynamic shapes and an f32 mask.
// CHECK-LABEL: func.func @gspo_token
// CHECK: zen.gspo_loss %arg0, %arg1, %arg2, %arg3 {eps_high = 2.000000e-01 : f64, eps_low = 2.000000e-01 : f64, level = #zen.gspo_level<token>} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
func.func @gspo_token(%logp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %adv: tensor<?xf32>,
                      %mask: tensor<?x?xf32>) -> tensor<f32> {
  %loss, %ratio, %clip = zen.gspo_loss %logp, %old, %adv, %mask
      {eps_low = 0.2 : f64, eps_high = 0.2 : f64, level = #zen.gspo_level<token>}
      : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
  return %loss : tensor<f32>
}

// On-policy: old_logp is logp itself (s = 1); an i64 completion mask.
// CHECK-LABEL: func.func @on_policy
// CHECK: zen.gspo_loss %arg0, %arg0, %arg1, %arg2 : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xi64>
func.func @on_policy(%logp: tensor<4x4xf32>, %adv: tensor<4xf32>, %mask: tensor<4x4xi64>) -> tensor<f32> {
  %loss, %ratio, %clip = zen.gspo_loss %logp, %logp, %adv, %mask
      : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xi64>
  return %loss : tensor<f32>
}
