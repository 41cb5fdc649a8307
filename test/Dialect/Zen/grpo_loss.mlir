// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// TRL defaults: eps 0.2 on both sides, beta 0, loss_type grpo (none printed).
// CHECK-LABEL: func.func @trl_defaults
// CHECK: %[[LOSS:.*]], %[[RATIO:.*]], %[[CLIP:.*]] = zen.grpo_loss %arg0, %arg1, %arg2, %arg3 : tensor<16x1024xf32>, tensor<16x1024xf32>, tensor<16xf32>, tensor<16x1024xi1>
// CHECK: return %[[LOSS]], %[[RATIO]], %[[CLIP]] : tensor<f32>, tensor<f32>, tensor<f32>
func.func @trl_defaults(%logp: tensor<16x1024xf32>, %old: tensor<16x1024xf32>,
                        %adv: tensor<16xf32>, %mask: tensor<16x1024xi1>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %loss, %ratio, %clip = zen.grpo_loss %logp, %old, %adv, %mask
      : tensor<16x1024xf32>, tensor<16x1024xf32>, tensor<16xf32>, tensor<16x1024xi1>
  return %loss, %ratio, %clip : tensor<f32>, tensor<f32>, tensor<f32>
}

// Zen-Coder: KL to the reference policy (beta 0.04), Dr. GRPO with TRL's
// max_completion_length larger than this batch's padded length.
// CHECK-LABEL: func.func @coder_kl_dr_grpo
// CHECK: zen.grpo_loss %arg0, %arg1, %arg2, %arg3 ref(%arg4) {beta = 4.000000e-02 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>, max_completion_length = 2048 : i64} : tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8x1024xi64>, tensor<8x1024xf32>
func.func @coder_kl_dr_grpo(%logp: tensor<8x1024xf32>, %old: tensor<8x1024xf32>, %adv: tensor<8xf32>,
                            %mask: tensor<8x1024xi64>, %ref: tensor<8x1024xf32>) -> tensor<f32> {
  %loss, %ratio, %clip = zen.grpo_loss %logp, %old, %adv, %mask ref(%ref)
      {beta = 0.04 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>, max_completion_length = 2048 : i64}
      : tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8x1024xi64>, tensor<8x1024xf32>
  return %loss : tensor<f32>
}

// DAPO's asymmetric clip (eps_high 0.28), bnpo, dynamic shapes; ref_logp with beta 0 is ignored.
// CHECK-LABEL: func.func @dapo_bnpo
// CHECK: zen.grpo_loss %arg0, %arg1, %arg2, %arg3 {eps_high = 2.800000e-01 : f64, loss_type = #zen.grpo_loss_type<dapo>} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
// CHECK: zen.grpo_loss %arg0, %arg0, %arg2, %arg3 ref(%arg1) {loss_type = #zen.grpo_loss_type<bnpo>} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
func.func @dapo_bnpo(%logp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %adv: tensor<?xf32>, %mask: tensor<?x?xf32>)
    -> (tensor<f32>, tensor<f32>) {
  %a:3 = zen.grpo_loss %logp, %old, %adv, %mask {eps_high = 0.28 : f64, loss_type = #zen.grpo_loss_type<dapo>}
      : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
  %b:3 = zen.grpo_loss %logp, %logp, %adv, %mask ref(%old) {loss_type = #zen.grpo_loss_type<bnpo>}
      : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
  return %a#0, %b#0 : tensor<f32>, tensor<f32>
}
