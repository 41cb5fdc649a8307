// RUN: zen-opt %s --zen-differentiate --split-input-file | FileCheck %s

// LoRA training: the frozen base weight gets no gradient, so linear_grad is
// asked for dx, dA and dB only (never the [out, in] weight_grad).
// CHECK-LABEL: func.func @lora_vjp(
// CHECK:         zen.linear %{{.+}} lora(
// CHECK:         zen.linear_grad %{{.+}} lora(%{{.+}}, %{{.+}}) {lora_scale = 2.000000e+00 : f64}
// CHECK-SAME:      -> input_grad(tensor<?x?x16xf32>) lora_a_grad(tensor<2x16xf32>) lora_b_grad(tensor<32x2xf32>)
// CHECK-NOT:     weight_grad
// CHECK:         return
func.func @lora(%x: tensor<?x?x16xf32>, %w: tensor<32x16xf32> {zen.no_grad}, %a: tensor<2x16xf32>,
                %b: tensor<32x2xf32>) -> tensor<?x?x32xf32> attributes {zen.differentiate} {
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
      : tensor<?x?x16xf32>, tensor<32x16xf32>, tensor<2x16xf32>, tensor<32x2xf32>
  return %y : tensor<?x?x32xf32>
}

// -----

// Full fine-tuning of a first layer: the input is a frozen activation, so
// only the weight gradient is built.
// CHECK-LABEL: func.func @first_layer_vjp(
// CHECK:         zen.linear_grad {{.+}} -> weight_grad(tensor<32x16xf32>)
// CHECK-NOT:     input_grad
func.func @first_layer(%x: tensor<?x16xf32> {zen.no_grad}, %w: tensor<32x16xf32>) -> tensor<?x32xf32>
    attributes {zen.differentiate} {
  %y = zen.linear %x, %w : tensor<?x16xf32>, tensor<32x16xf32>
  return %y : tensor<?x32xf32>
}

// -----

// A frozen embedding and norm (the LoRA case): nothing upstream of the
// trained projection is active, so no embedding_grad and no rms_norm_grad.
// CHECK-LABEL: func.func @frozen_embedding_vjp(
// CHECK:         zen.linear_grad {{.+}} -> weight_grad(tensor<4x8xf32>)
// CHECK-NOT:     zen.rms_norm_grad
// CHECK-NOT:     zen.embedding_grad
// CHECK:         return
func.func @frozen_embedding(%ids: tensor<?x?xi64>, %t: tensor<100x8xf32> {zen.no_grad},
                            %w: tensor<8xf32> {zen.no_grad}, %wo: tensor<4x8xf32>) -> tensor<?x?x4xf32>
    attributes {zen.differentiate} {
  %e = zen.embedding %ids, %t : tensor<?x?xi64>, tensor<100x8xf32>
  %n = zen.rms_norm %e, %w : tensor<?x?x8xf32>, tensor<8xf32>
  %y = zen.linear %n, %wo : tensor<?x?x8xf32>, tensor<4x8xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// A frozen norm weight on an active input: input_grad only.
// CHECK-LABEL: func.func @frozen_norm_vjp(
// CHECK:         zen.rms_norm_grad {{.+}} -> input_grad(tensor<?x?x8xf32>)
// CHECK-NOT:     weight_grad
// CHECK:         return
func.func @frozen_norm(%x: tensor<?x?x8xf32>, %w: tensor<8xf32> {zen.no_grad}) -> tensor<?x?x8xf32>
    attributes {zen.differentiate} {
  %n = zen.rms_norm %x, %w : tensor<?x?x8xf32>, tensor<8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// A trained embedding: the scatter-add backward op; the zero-centred norm's
// weight gradient too.
// CHECK-LABEL: func.func @trained_embedding_vjp(
// CHECK:         zen.rms_norm_grad {{.+}} {zero_centered} {{.+}} -> input_grad(tensor<?x?x8xf32>) weight_grad(tensor<8xf32>)
// CHECK:         zen.embedding_grad %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x?x8xf32>, tensor<?x?xi64>, tensor<100x8xf32>
func.func @trained_embedding(%ids: tensor<?x?xi64>, %t: tensor<100x8xf32>, %w: tensor<8xf32>) -> tensor<?x?x8xf32>
    attributes {zen.differentiate} {
  %e = zen.embedding %ids, %t : tensor<?x?xi64>, tensor<100x8xf32>
  %n = zen.rms_norm %e, %w {zero_centered} : tensor<?x?x8xf32>, tensor<8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// Attention: q, k, v through rope_grad / attention_grad; the mask and the
// positions get nothing. v is frozen here (computed from a no_grad input).
// CHECK-LABEL: func.func @attention_vjp(
// CHECK:         zen.attention_grad {{.+}} mask({{.+}}) {causal} {{.+}} -> q_grad(tensor<?x?x4x8xf32>) k_grad(tensor<?x?x2x8xf32>)
// CHECK-NOT:     v_grad
// CHECK:         zen.rope_grad
// CHECK:         zen.rope_grad
// CHECK:         return
func.func @attention(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32> {zen.no_grad},
                     %pos: tensor<?x?xi64>, %m: tensor<?x?xi64>) -> tensor<?x?x4x8xf32>
    attributes {zen.differentiate} {
  %qr = zen.rope %q, %pos {rotary_dim = 8 : i64, theta = 1.0e+06 : f64} : tensor<?x?x4x8xf32>, tensor<?x?xi64>
  %kr = zen.rope %k, %pos {rotary_dim = 8 : i64, theta = 1.0e+06 : f64} : tensor<?x?x2x8xf32>, tensor<?x?xi64>
  %o = zen.attention %qr, %kr, %v mask(%m : tensor<?x?xi64>) {causal}
      : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
  return %o : tensor<?x?x4x8xf32>
}

// -----

// mlp recomputes its gate/up projections and chains linear_grad, swiglu_grad,
// linear_grad; frozen gate/up weights get no weight_grad.
// CHECK-LABEL: func.func @mlp_vjp(
// CHECK:         zen.mlp
// CHECK:         %[[G:.+]] = zen.linear
// CHECK:         %[[U:.+]] = zen.linear
// CHECK:         %[[H:.+]] = zen.swiglu %[[G]], %[[U]]
// CHECK:         zen.linear_grad %{{.+}}, %[[H]], %{{.+}} : {{.+}} -> input_grad(tensor<?x12xf32>) weight_grad(tensor<8x12xf32>)
// CHECK:         zen.swiglu_grad {{.+}} -> gate_grad(tensor<?x12xf32>) up_grad(tensor<?x12xf32>)
// CHECK:         zen.linear_grad {{.+}} -> input_grad(tensor<?x8xf32>)
// CHECK-NEXT:    zen.linear_grad {{.+}} -> input_grad(tensor<?x8xf32>)
// CHECK-NEXT:    arith.addf
func.func @mlp(%x: tensor<?x8xf32>, %wg: tensor<12x8xf32> {zen.no_grad}, %wu: tensor<12x8xf32> {zen.no_grad},
               %wd: tensor<8x12xf32>) -> tensor<?x8xf32> attributes {zen.differentiate} {
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x8xf32>, tensor<12x8xf32>, tensor<12x8xf32>, tensor<8x12xf32>
  return %y : tensor<?x8xf32>
}

// -----

// lm_head, l2_norm and mask_padding (its own transpose).
// CHECK-LABEL: func.func @misc_vjp(
// CHECK:         zen.linear_grad {{.+}} -> input_grad(tensor<?x?x6xf32>) weight_grad(tensor<11x6xf32>)
// CHECK:         zen.l2_norm_grad
// CHECK:         zen.mask_padding
func.func @misc(%x: tensor<?x?x6xf32>, %m: tensor<?x?xi64>, %w: tensor<11x6xf32>) -> tensor<?x?x11xf32>
    attributes {zen.differentiate} {
  %p = zen.mask_padding %x, %m : tensor<?x?x6xf32>, tensor<?x?xi64>
  %n = zen.l2_norm %p : tensor<?x?x6xf32>
  %y = zen.lm_head %n, %w : tensor<?x?x6xf32>, tensor<11x6xf32>
  return %y : tensor<?x?x11xf32>
}
