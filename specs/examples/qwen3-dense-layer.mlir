// Qwen3-0.6B decoder layer 0, written by hand in Zen IR (real dims: hidden 1024,
// 16 query heads and 8 KV heads of head_dim 128, intermediate 3072, eps 1e-6,
// rope_theta 1e6). Activations have dynamic batch and sequence dims; weights are
// function arguments carrying their HuggingFace tensor names.
//
//   zen-opt specs/examples/qwen3-dense-layer.mlir

func.func @qwen3_0_6b_layer0(
    %x: tensor<?x?x1024xbf16>, %positions: tensor<?x?xi64>, %mask: tensor<?x?xi64>,
    %ln1: tensor<1024xbf16> {zen.param = "model.layers.0.input_layernorm.weight"},
    %wq: tensor<2048x1024xbf16> {zen.param = "model.layers.0.self_attn.q_proj.weight"},
    %wk: tensor<1024x1024xbf16> {zen.param = "model.layers.0.self_attn.k_proj.weight"},
    %wv: tensor<1024x1024xbf16> {zen.param = "model.layers.0.self_attn.v_proj.weight"},
    %wo: tensor<1024x2048xbf16> {zen.param = "model.layers.0.self_attn.o_proj.weight"},
    %qn: tensor<128xbf16> {zen.param = "model.layers.0.self_attn.q_norm.weight"},
    %kn: tensor<128xbf16> {zen.param = "model.layers.0.self_attn.k_norm.weight"},
    %ln2: tensor<1024xbf16> {zen.param = "model.layers.0.post_attention_layernorm.weight"},
    %wg: tensor<3072x1024xbf16> {zen.param = "model.layers.0.mlp.gate_proj.weight"},
    %wu: tensor<3072x1024xbf16> {zen.param = "model.layers.0.mlp.up_proj.weight"},
    %wd: tensor<1024x3072xbf16> {zen.param = "model.layers.0.mlp.down_proj.weight"})
    -> tensor<?x?x1024xbf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x1024xbf16>
  %t = tensor.dim %x, %c1 : tensor<?x?x1024xbf16>

  // Self-attention block: pre-norm, projections, per-head qk-norm BEFORE RoPE.
  %h = zen.rms_norm %x, %ln1 : tensor<?x?x1024xbf16>, tensor<1024xbf16>
  %q2 = zen.linear %h, %wq : tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>
  %k2 = zen.linear %h, %wk : tensor<?x?x1024xbf16>, tensor<1024x1024xbf16>
  %v2 = zen.linear %h, %wv : tensor<?x?x1024xbf16>, tensor<1024x1024xbf16>
  %q3 = tensor.expand_shape %q2 [[0], [1], [2, 3]] output_shape [%b, %t, 16, 128]
      : tensor<?x?x2048xbf16> into tensor<?x?x16x128xbf16>
  %k3 = tensor.expand_shape %k2 [[0], [1], [2, 3]] output_shape [%b, %t, 8, 128]
      : tensor<?x?x1024xbf16> into tensor<?x?x8x128xbf16>
  %v3 = tensor.expand_shape %v2 [[0], [1], [2, 3]] output_shape [%b, %t, 8, 128]
      : tensor<?x?x1024xbf16> into tensor<?x?x8x128xbf16>
  %qn3 = zen.rms_norm %q3, %qn : tensor<?x?x16x128xbf16>, tensor<128xbf16>
  %kn3 = zen.rms_norm %k3, %kn : tensor<?x?x8x128xbf16>, tensor<128xbf16>
  %qr = zen.rope %qn3, %positions {rotary_dim = 128 : i64, theta = 1.0e+06 : f64}
      : tensor<?x?x16x128xbf16>, tensor<?x?xi64>
  %kr = zen.rope %kn3, %positions {rotary_dim = 128 : i64, theta = 1.0e+06 : f64}
      : tensor<?x?x8x128xbf16>, tensor<?x?xi64>
  %o = zen.attention %qr, %kr, %v3 mask(%mask : tensor<?x?xi64>) {causal}
      : tensor<?x?x16x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
  %o2 = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<?x?x16x128xbf16> into tensor<?x?x2048xbf16>
  %attn = zen.linear %o2, %wo : tensor<?x?x2048xbf16>, tensor<1024x2048xbf16>
  %r1 = arith.addf %x, %attn : tensor<?x?x1024xbf16>

  // MLP block: pre-norm, SwiGLU, residual.
  %h2 = zen.rms_norm %r1, %ln2 : tensor<?x?x1024xbf16>, tensor<1024xbf16>
  %m = zen.mlp %h2, %wg, %wu, %wd
      : tensor<?x?x1024xbf16>, tensor<3072x1024xbf16>, tensor<3072x1024xbf16>, tensor<1024x3072xbf16>
  %r2 = arith.addf %r1, %m : tensor<?x?x1024xbf16>
  return %r2 : tensor<?x?x1024xbf16>
}
