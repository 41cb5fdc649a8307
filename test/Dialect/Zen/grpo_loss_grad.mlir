// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// TRL's defaults (eps 0.2, beta 0, loss_type grpo), no reference policy.
// CHECK-LABEL: func.func @grpo_grad_defaults
// CHECK: %[[D:.*]] = zen.grpo_loss_grad %arg0, %arg1, %arg2, %arg3, %arg4 : tensor<f32>, tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8x1024xi64>
// CHECK: return %[[D]] : tensor<8x1024xf32>
func.func @grpo_grad_defaults(%g: tensor<f32>, %logp: tensor<8x1024xf32>, %old: tensor<8x1024xf32>,
                              %adv: tensor<8xf32>, %mask: tensor<8x1024xi64>) -> tensor<8x1024xf32> {
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8x1024xi64>
  return %d : tensor<8x1024xf32>
}

// Zen-Coder: k3 KL to the reference policy, dr_grpo with a configured maximum length.
// CHECK-LABEL: func.func @grpo_grad_kl
// CHECK: zen.grpo_loss_grad %arg0, %arg1, %arg2, %arg3, %arg4 ref(%arg5) {beta = 4.000000e-02 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>, max_completion_length = 2048 : i64} : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xi1>, tensor<?x?xf32>
func.func @grpo_grad_kl(%g: tensor<f32>, %logp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %adv: tensor<?xf32>,
                        %mask: tensor<?x?xi1>, %ref: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask ref(%ref)
      {beta = 4.0e-02 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>, max_completion_length = 2048 : i64}
      : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xi1>, tensor<?x?xf32>
  return %d : tensor<?x?xf32>
}
