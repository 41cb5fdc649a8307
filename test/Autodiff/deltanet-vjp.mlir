// RUN: zen-opt %s --zen-differentiate | FileCheck %s
// RUN: zen-opt %s --zen-differentiate | FileCheck %s --check-prefix=HAS

// A Gated-DeltaNet mixer with frozen weights (LoRA-style training: conv1d
// weight, A_log, dt_bias and the norm weight carry zen.no_grad): the VJP
// builds the input cotangents of every op (gated_rms_norm_grad,
// gated_delta_rule_grad recomputing the states, gdn_gates_grad,
// causal_conv1d_grad) and none of the parameter-cotangent ops.
// HAS-LABEL: func.func @mixer_vjp
// HAS-DAG: zen.gated_rms_norm_grad
// HAS-DAG: zen.gated_delta_rule_grad {{.*}} {chunk_size = 16 : i64, use_qk_l2norm}
// HAS-DAG: zen.gdn_gates_grad
// HAS-DAG: zen.causal_conv1d_grad
// HAS: return
// CHECK-LABEL: func.func @mixer_vjp
// CHECK-NOT: zen.causal_conv1d_weight_grad
// CHECK-NOT: zen.gdn_gates_param_grad
// CHECK-NOT: zen.gated_rms_norm_weight_grad
// CHECK: return
func.func @mixer(%x: tensor<1x20x16xf32>, %w: tensor<16x1x4xf32> {zen.no_grad},
                 %a: tensor<1x20x4xf32>, %b: tensor<1x20x4xf32>,
                 %A_log: tensor<4xf32> {zen.no_grad}, %dt_bias: tensor<4xf32> {zen.no_grad},
                 %v: tensor<1x20x4x6xf32>, %z: tensor<1x20x4x6xf32>,
                 %nw: tensor<6xf32> {zen.no_grad}) -> tensor<1x20x4x6xf32>
    attributes {zen.differentiate} {
  %y, %s = zen.causal_conv1d %x, %w : tensor<1x20x16xf32>, tensor<16x1x4xf32>
  %q = tensor.expand_shape %y [[0], [1], [2, 3]] output_shape [1, 20, 2, 8]
      : tensor<1x20x16xf32> into tensor<1x20x2x8xf32>
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<1x20x4xf32>, tensor<4xf32>, tensor<4xf32>
  %o, %fs = zen.gated_delta_rule %q, %q, %v, %g, %beta {chunk_size = 16 : i64, use_qk_l2norm}
      : tensor<1x20x2x8xf32>, tensor<1x20x2x8xf32>, tensor<1x20x4x6xf32>, tensor<1x20x4xf32>, tensor<1x20x4xf32>
  %n = zen.gated_rms_norm %o, %z, %nw : tensor<1x20x4x6xf32>, tensor<6xf32>
  return %n : tensor<1x20x4x6xf32>
}

// Full fine-tuning: every weight trainable, so the parameter cotangents are
// built too.
// HAS-LABEL: func.func @weights_vjp
// HAS-DAG: zen.causal_conv1d_weight_grad
// HAS-DAG: zen.gdn_gates_param_grad
// HAS-DAG: zen.gated_rms_norm_weight_grad
// HAS: return
func.func @weights(%x: tensor<1x5x8xf32>, %w: tensor<8x1x4xf32>, %a: tensor<1x5x4xf32>,
                   %A_log: tensor<4xf32>, %dt_bias: tensor<4xf32>,
                   %z: tensor<1x5x8xf32>, %nw: tensor<8xf32>)
    -> (tensor<1x5x8xf32>, tensor<1x5x4xf32>, tensor<1x5x8xf32>) attributes {zen.differentiate} {
  %y, %s = zen.causal_conv1d %x, %w : tensor<1x5x8xf32>, tensor<8x1x4xf32>
  %g, %beta = zen.gdn_gates %a, %a, %A_log, %dt_bias : tensor<1x5x4xf32>, tensor<4xf32>, tensor<4xf32>
  %n = zen.gated_rms_norm %x, %z, %nw : tensor<1x5x8xf32>, tensor<8xf32>
  return %y, %g, %n : tensor<1x5x8xf32>, tensor<1x5x4xf32>, tensor<1x5x8xf32>
}
