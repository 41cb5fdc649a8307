// RUN: zen-opt %s --zen-differentiate | FileCheck %s

// LoRA-style step: the LM head is frozen (zen.no_grad), so the selective
// log-prob's backward builds only d hidden; old_logp, advantages and the mask
// get no cotangent, and the loss backward is zen.gspo_loss_grad.
// CHECK-LABEL: func.func @step_vjp
// CHECK:         zen.gspo_loss_grad
// CHECK:         zen.token_logprobs_grad
// CHECK-SAME:      -> hidden_grad tensor<4x3x8xf32>
// CHECK-NOT:       lm_head_w_grad
// CHECK:         return
func.func @step(%h: tensor<4x3x8xf32>, %w: tensor<300x8xf32> {zen.no_grad}, %y: tensor<4x3xi64>,
                %old: tensor<4x3xf32> {zen.no_grad}, %a: tensor<4xf32> {zen.no_grad},
                %m: tensor<4x3xf32> {zen.no_grad}) -> tensor<f32> attributes {zen.differentiate} {
  %lp = zen.token_logprobs %h, %w, %y : tensor<4x3x8xf32>, tensor<300x8xf32>, tensor<4x3xi64>
  %l, %r, %c = zen.gspo_loss %lp, %old, %a, %m : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// The LM head trained and the hidden states frozen: only lm_head_w_grad.
// CHECK-LABEL: func.func @head_vjp
// CHECK:         zen.grpo_loss_grad
// CHECK-SAME:      ref(
// CHECK:         zen.token_logprobs_grad
// CHECK-SAME:      -> lm_head_w_grad tensor<300x8xf32>
// CHECK:         return
func.func @head(%h: tensor<4x3x8xf32> {zen.no_grad}, %w: tensor<300x8xf32>, %y: tensor<4x3xi64>,
                %old: tensor<4x3xf32> {zen.no_grad}, %a: tensor<4xf32> {zen.no_grad},
                %m: tensor<4x3xf32> {zen.no_grad}, %ref: tensor<4x3xf32> {zen.no_grad}) -> tensor<f32>
    attributes {zen.differentiate} {
  %lp = zen.token_logprobs %h, %w, %y : tensor<4x3x8xf32>, tensor<300x8xf32>, tensor<4x3xi64>
  %l, %r, %c = zen.grpo_loss %lp, %old, %a, %m ref(%ref) {beta = 4.0e-02 : f64}
      : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<4x3xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// The backward of the unfused baseline materializes the logits as well.
// CHECK-LABEL: func.func @whole_vjp
// CHECK:         zen.token_logprobs_grad
// CHECK-SAME:      {materialize_logits, temperature = 5.000000e-01 : f64}
// CHECK-SAME:      -> hidden_grad tensor<4x3x8xf32>
func.func @whole(%h: tensor<4x3x8xf32>, %w: tensor<300x8xf32> {zen.no_grad}, %y: tensor<4x3xi64>,
                 %old: tensor<4x3xf32> {zen.no_grad}, %a: tensor<4xf32> {zen.no_grad},
                 %m: tensor<4x3xf32> {zen.no_grad}) -> tensor<f32> attributes {zen.differentiate} {
  %lp = zen.token_logprobs %h, %w, %y {temperature = 0.5 : f64, materialize_logits}
      : tensor<4x3x8xf32>, tensor<300x8xf32>, tensor<4x3xi64>
  %l, %r, %c = zen.gspo_loss %lp, %old, %a, %m : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// Differentiating only the statistics (detached) builds no backward op.
// CHECK-LABEL: func.func @stats_vjp
// CHECK-NOT:     zen.gspo_loss_grad
// CHECK:         return
func.func @stats(%lp: tensor<4x3xf32>, %old: tensor<4x3xf32> {zen.no_grad}, %a: tensor<4xf32> {zen.no_grad},
                 %m: tensor<4x3xf32> {zen.no_grad}) -> tensor<f32> attributes {zen.differentiate} {
  %l, %r, %c = zen.gspo_loss %lp, %old, %a, %m : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<4x3xf32>
  return %r : tensor<f32>
}
