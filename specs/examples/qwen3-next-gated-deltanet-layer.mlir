// Qwen3-Next-80B-A3B decoder layer 0 (a "linear_attention" layer), written by hand
// in Zen IR with the real dims: hidden 2048; Gated-DeltaNet with 16 key heads and
// 32 value heads of dim 128 (key_dim 2048, value_dim 4096, conv_dim 8192, conv
// kernel 4); zero-centred (1 + w) layer norms; an ultra-sparse MoE with 512
// experts (top-10, moe_intermediate 512) and a sigmoid-gated shared expert.
// Returns the layer output, the conv state and the fp32 recurrent state that a
// decode step continues from.
//
//   zen-opt specs/examples/qwen3-next-gated-deltanet-layer.mlir

func.func @qwen3_next_layer0(
    %x: tensor<?x?x2048xbf16>,
    %ln1: tensor<2048xbf16> {zen.param = "model.layers.0.input_layernorm.weight"},
    %w_qkvz: tensor<12288x2048xbf16> {zen.param = "model.layers.0.linear_attn.in_proj_qkvz.weight"},
    %w_ba: tensor<64x2048xbf16> {zen.param = "model.layers.0.linear_attn.in_proj_ba.weight"},
    %conv_w: tensor<8192x1x4xbf16> {zen.param = "model.layers.0.linear_attn.conv1d.weight"},
    %dt_bias: tensor<32xf32> {zen.param = "model.layers.0.linear_attn.dt_bias"},
    %a_log: tensor<32xf32> {zen.param = "model.layers.0.linear_attn.A_log"},
    %norm_w: tensor<128xbf16> {zen.param = "model.layers.0.linear_attn.norm.weight"},
    %w_out: tensor<2048x4096xbf16> {zen.param = "model.layers.0.linear_attn.out_proj.weight"},
    %ln2: tensor<2048xbf16> {zen.param = "model.layers.0.post_attention_layernorm.weight"},
    %router: tensor<512x2048xbf16> {zen.param = "model.layers.0.mlp.gate.weight"},
    %ex_gate: tensor<512x512x2048xbf16> {zen.param = "model.layers.0.mlp.experts.{e}.gate_proj.weight"},
    %ex_up: tensor<512x512x2048xbf16> {zen.param = "model.layers.0.mlp.experts.{e}.up_proj.weight"},
    %ex_down: tensor<512x2048x512xbf16> {zen.param = "model.layers.0.mlp.experts.{e}.down_proj.weight"},
    %sh_gate: tensor<512x2048xbf16> {zen.param = "model.layers.0.mlp.shared_expert.gate_proj.weight"},
    %sh_up: tensor<512x2048xbf16> {zen.param = "model.layers.0.mlp.shared_expert.up_proj.weight"},
    %sh_down: tensor<2048x512xbf16> {zen.param = "model.layers.0.mlp.shared_expert.down_proj.weight"},
    %sh_expert_gate: tensor<1x2048xbf16> {zen.param = "model.layers.0.mlp.shared_expert_gate.weight"})
    -> (tensor<?x?x2048xbf16>, tensor<?x8192x4xbf16>, tensor<?x32x128x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x2048xbf16>
  %t = tensor.dim %x, %c1 : tensor<?x?x2048xbf16>

  %h = zen.rms_norm %x, %ln1 {zero_centered} : tensor<?x?x2048xbf16>, tensor<2048xbf16>

  // Projections, regrouped per key head: [q 128 | k 128 | v 256 | z 256] x 16 heads,
  // and [b 2 | a 2] x 16 heads; value head = key head * 2 + j.
  %qkvz = zen.linear %h, %w_qkvz : tensor<?x?x2048xbf16>, tensor<12288x2048xbf16>
  %ba = zen.linear %h, %w_ba : tensor<?x?x2048xbf16>, tensor<64x2048xbf16>
  %qkvz4 = tensor.expand_shape %qkvz [[0], [1], [2, 3]] output_shape [%b, %t, 16, 768]
      : tensor<?x?x12288xbf16> into tensor<?x?x16x768xbf16>
  %q = tensor.extract_slice %qkvz4[0, 0, 0, 0] [%b, %t, 16, 128] [1, 1, 1, 1]
      : tensor<?x?x16x768xbf16> to tensor<?x?x16x128xbf16>
  %k = tensor.extract_slice %qkvz4[0, 0, 0, 128] [%b, %t, 16, 128] [1, 1, 1, 1]
      : tensor<?x?x16x768xbf16> to tensor<?x?x16x128xbf16>
  %v = tensor.extract_slice %qkvz4[0, 0, 0, 256] [%b, %t, 16, 256] [1, 1, 1, 1]
      : tensor<?x?x16x768xbf16> to tensor<?x?x16x256xbf16>
  %z = tensor.extract_slice %qkvz4[0, 0, 0, 512] [%b, %t, 16, 256] [1, 1, 1, 1]
      : tensor<?x?x16x768xbf16> to tensor<?x?x16x256xbf16>
  %ba4 = tensor.expand_shape %ba [[0], [1], [2, 3]] output_shape [%b, %t, 16, 4]
      : tensor<?x?x64xbf16> into tensor<?x?x16x4xbf16>
  %beta_in = tensor.extract_slice %ba4[0, 0, 0, 0] [%b, %t, 16, 2] [1, 1, 1, 1]
      : tensor<?x?x16x4xbf16> to tensor<?x?x16x2xbf16>
  %a_in = tensor.extract_slice %ba4[0, 0, 0, 2] [%b, %t, 16, 2] [1, 1, 1, 1]
      : tensor<?x?x16x4xbf16> to tensor<?x?x16x2xbf16>
  %beta_raw = tensor.collapse_shape %beta_in [[0], [1], [2, 3]] : tensor<?x?x16x2xbf16> into tensor<?x?x32xbf16>
  %a_raw = tensor.collapse_shape %a_in [[0], [1], [2, 3]] : tensor<?x?x16x2xbf16> into tensor<?x?x32xbf16>
  %z4 = tensor.expand_shape %z [[0], [1], [2], [3, 4]] output_shape [%b, %t, 16, 2, 128]
      : tensor<?x?x16x256xbf16> into tensor<?x?x16x2x128xbf16>
  %z32 = tensor.collapse_shape %z4 [[0], [1], [2, 3], [4]] : tensor<?x?x16x2x128xbf16> into tensor<?x?x32x128xbf16>

  // Causal depthwise conv over mixed = q || k || v (head-major), then SiLU.
  %q_flat = tensor.collapse_shape %q [[0], [1], [2, 3]] : tensor<?x?x16x128xbf16> into tensor<?x?x2048xbf16>
  %k_flat = tensor.collapse_shape %k [[0], [1], [2, 3]] : tensor<?x?x16x128xbf16> into tensor<?x?x2048xbf16>
  %v_flat = tensor.collapse_shape %v [[0], [1], [2, 3]] : tensor<?x?x16x256xbf16> into tensor<?x?x4096xbf16>
  %mixed = tensor.concat dim(2) %q_flat, %k_flat, %v_flat
      : (tensor<?x?x2048xbf16>, tensor<?x?x2048xbf16>, tensor<?x?x4096xbf16>) -> tensor<?x?x8192xbf16>
  %conv, %conv_state = zen.causal_conv1d %mixed, %conv_w
      : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
  %qc_flat = tensor.extract_slice %conv[0, 0, 0] [%b, %t, 2048] [1, 1, 1]
      : tensor<?x?x8192xbf16> to tensor<?x?x2048xbf16>
  %kc_flat = tensor.extract_slice %conv[0, 0, 2048] [%b, %t, 2048] [1, 1, 1]
      : tensor<?x?x8192xbf16> to tensor<?x?x2048xbf16>
  %vc_flat = tensor.extract_slice %conv[0, 0, 4096] [%b, %t, 4096] [1, 1, 1]
      : tensor<?x?x8192xbf16> to tensor<?x?x4096xbf16>
  %qc = tensor.expand_shape %qc_flat [[0], [1], [2, 3]] output_shape [%b, %t, 16, 128]
      : tensor<?x?x2048xbf16> into tensor<?x?x16x128xbf16>
  %kc = tensor.expand_shape %kc_flat [[0], [1], [2, 3]] output_shape [%b, %t, 16, 128]
      : tensor<?x?x2048xbf16> into tensor<?x?x16x128xbf16>
  %vc = tensor.expand_shape %vc_flat [[0], [1], [2, 3]] output_shape [%b, %t, 32, 128]
      : tensor<?x?x4096xbf16> into tensor<?x?x32x128xbf16>

  // Decay and write strength, then the chunked gated delta rule (l2-normalised q, k).
  %g, %beta = zen.gdn_gates %a_raw, %beta_raw, %a_log, %dt_bias
      : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xf32>
  %o, %state = zen.gated_delta_rule %qc, %kc, %vc, %g, %beta {use_qk_l2norm}
      : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>, tensor<?x?x32xf32>, tensor<?x?x32xf32>
  %on = zen.gated_rms_norm %o, %z32, %norm_w : tensor<?x?x32x128xbf16>, tensor<128xbf16>
  %o_flat = tensor.collapse_shape %on [[0], [1], [2, 3]] : tensor<?x?x32x128xbf16> into tensor<?x?x4096xbf16>
  %mix_out = zen.linear %o_flat, %w_out : tensor<?x?x4096xbf16>, tensor<2048x4096xbf16>
  %r1 = arith.addf %x, %mix_out : tensor<?x?x2048xbf16>

  // Sparse MoE with the gated shared expert.
  %h2 = zen.rms_norm %r1, %ln2 {zero_centered} : tensor<?x?x2048xbf16>, tensor<2048xbf16>
  %moe = zen.moe %h2, %router, %ex_gate, %ex_up, %ex_down shared(%sh_gate, %sh_up, %sh_down, %sh_expert_gate)
      {top_k = 10 : i64, norm_topk_prob}
      : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x512x2048xbf16>, tensor<512x512x2048xbf16>,
        tensor<512x2048x512xbf16>, tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>, tensor<1x2048xbf16>
  %r2 = arith.addf %r1, %moe : tensor<?x?x2048xbf16>
  return %r2, %conv_state, %state : tensor<?x?x2048xbf16>, tensor<?x8192x4xbf16>, tensor<?x32x128x128xf32>
}
