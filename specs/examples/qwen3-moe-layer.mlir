// Qwen3-Coder-480B-A35B decoder layer 0 (Qwen3-MoE), written by hand in Zen IR
// with the real dims: hidden 6144; 96 query heads and 8 KV heads of head_dim 128
// with per-head qk RMSNorm and RoPE (theta 1e7); a sparse MoE with 160 experts,
// top-8 with renormalised weights, moe_intermediate 2560, no shared expert.
// Expert weights are stacked along a leading expert dim; the runtime stacks the
// checkpoint's per-expert tensors ("{e}" in the name).
//
//   zen-opt specs/examples/qwen3-moe-layer.mlir

func.func @qwen3_coder_480b_layer0(
    %x: tensor<?x?x6144xbf16>, %positions: tensor<?x?xi64>, %mask: tensor<?x?xi64>,
    %ln1: tensor<6144xbf16> {zen.param = "model.layers.0.input_layernorm.weight"},
    %wq: tensor<12288x6144xbf16> {zen.param = "model.layers.0.self_attn.q_proj.weight"},
    %wk: tensor<1024x6144xbf16> {zen.param = "model.layers.0.self_attn.k_proj.weight"},
    %wv: tensor<1024x6144xbf16> {zen.param = "model.layers.0.self_attn.v_proj.weight"},
    %wo: tensor<6144x12288xbf16> {zen.param = "model.layers.0.self_attn.o_proj.weight"},
    %qn: tensor<128xbf16> {zen.param = "model.layers.0.self_attn.q_norm.weight"},
    %kn: tensor<128xbf16> {zen.param = "model.layers.0.self_attn.k_norm.weight"},
    %ln2: tensor<6144xbf16> {zen.param = "model.layers.0.post_attention_layernorm.weight"},
    %router: tensor<160x6144xbf16> {zen.param = "model.layers.0.mlp.gate.weight"},
    %ex_gate: tensor<160x2560x6144xbf16> {zen.param = "model.layers.0.mlp.experts.{e}.gate_proj.weight"},
    %ex_up: tensor<160x2560x6144xbf16> {zen.param = "model.layers.0.mlp.experts.{e}.up_proj.weight"},
    %ex_down: tensor<160x6144x2560xbf16> {zen.param = "model.layers.0.mlp.experts.{e}.down_proj.weight"})
    -> tensor<?x?x6144xbf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x6144xbf16>
  %t = tensor.dim %x, %c1 : tensor<?x?x6144xbf16>

  %h = zen.rms_norm %x, %ln1 : tensor<?x?x6144xbf16>, tensor<6144xbf16>
  %q2 = zen.linear %h, %wq : tensor<?x?x6144xbf16>, tensor<12288x6144xbf16>
  %k2 = zen.linear %h, %wk : tensor<?x?x6144xbf16>, tensor<1024x6144xbf16>
  %v2 = zen.linear %h, %wv : tensor<?x?x6144xbf16>, tensor<1024x6144xbf16>
  %q3 = tensor.expand_shape %q2 [[0], [1], [2, 3]] output_shape [%b, %t, 96, 128]
      : tensor<?x?x12288xbf16> into tensor<?x?x96x128xbf16>
  %k3 = tensor.expand_shape %k2 [[0], [1], [2, 3]] output_shape [%b, %t, 8, 128]
      : tensor<?x?x1024xbf16> into tensor<?x?x8x128xbf16>
  %v3 = tensor.expand_shape %v2 [[0], [1], [2, 3]] output_shape [%b, %t, 8, 128]
      : tensor<?x?x1024xbf16> into tensor<?x?x8x128xbf16>
  %qn3 = zen.rms_norm %q3, %qn : tensor<?x?x96x128xbf16>, tensor<128xbf16>
  %kn3 = zen.rms_norm %k3, %kn : tensor<?x?x8x128xbf16>, tensor<128xbf16>
  %qr = zen.rope %qn3, %positions {rotary_dim = 128 : i64, theta = 1.0e+07 : f64}
      : tensor<?x?x96x128xbf16>, tensor<?x?xi64>
  %kr = zen.rope %kn3, %positions {rotary_dim = 128 : i64, theta = 1.0e+07 : f64}
      : tensor<?x?x8x128xbf16>, tensor<?x?xi64>
  %o = zen.attention %qr, %kr, %v3 mask(%mask : tensor<?x?xi64>) {causal}
      : tensor<?x?x96x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
  %o2 = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<?x?x96x128xbf16> into tensor<?x?x12288xbf16>
  %attn = zen.linear %o2, %wo : tensor<?x?x12288xbf16>, tensor<6144x12288xbf16>
  %r1 = arith.addf %x, %attn : tensor<?x?x6144xbf16>

  // Router softmax over all 160 experts, top-8, renormalised; SwiGLU experts.
  %h2 = zen.rms_norm %r1, %ln2 : tensor<?x?x6144xbf16>, tensor<6144xbf16>
  %moe = zen.moe %h2, %router, %ex_gate, %ex_up, %ex_down {top_k = 8 : i64, norm_topk_prob}
      : tensor<?x?x6144xbf16>, tensor<160x6144xbf16>, tensor<160x2560x6144xbf16>,
        tensor<160x2560x6144xbf16>, tensor<160x6144x2560xbf16>
  %r2 = arith.addf %r1, %moe : tensor<?x?x6144xbf16>
  return %r2 : tensor<?x?x6144xbf16>
}
