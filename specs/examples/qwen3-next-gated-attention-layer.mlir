// Qwen3-Next-80B-A3B decoder layer 3 (a "full_attention" layer), written by hand
// in Zen IR with the real dims: hidden 2048; gated attention with 16 query heads
// and 2 KV heads of head_dim 256, q_proj producing [q | gate] per head, zero-
// centred q/k norms, partial RoPE over the first 64 dims (theta 1e7), a sigmoid
// output gate; then the 512-expert top-10 MoE with a gated shared expert.
//
//   zen-opt specs/examples/qwen3-next-gated-attention-layer.mlir

func.func @qwen3_next_layer3(
    %x: tensor<?x?x2048xbf16>, %positions: tensor<?x?xi64>,
    %ln1: tensor<2048xbf16> {zen.param = "model.layers.3.input_layernorm.weight"},
    %wq: tensor<8192x2048xbf16> {zen.param = "model.layers.3.self_attn.q_proj.weight"},
    %wk: tensor<512x2048xbf16> {zen.param = "model.layers.3.self_attn.k_proj.weight"},
    %wv: tensor<512x2048xbf16> {zen.param = "model.layers.3.self_attn.v_proj.weight"},
    %wo: tensor<2048x4096xbf16> {zen.param = "model.layers.3.self_attn.o_proj.weight"},
    %qn: tensor<256xbf16> {zen.param = "model.layers.3.self_attn.q_norm.weight"},
    %kn: tensor<256xbf16> {zen.param = "model.layers.3.self_attn.k_norm.weight"},
    %ln2: tensor<2048xbf16> {zen.param = "model.layers.3.post_attention_layernorm.weight"},
    %router: tensor<512x2048xbf16> {zen.param = "model.layers.3.mlp.gate.weight"},
    %ex_gate: tensor<512x512x2048xbf16> {zen.param = "model.layers.3.mlp.experts.{e}.gate_proj.weight"},
    %ex_up: tensor<512x512x2048xbf16> {zen.param = "model.layers.3.mlp.experts.{e}.up_proj.weight"},
    %ex_down: tensor<512x2048x512xbf16> {zen.param = "model.layers.3.mlp.experts.{e}.down_proj.weight"},
    %sh_gate: tensor<512x2048xbf16> {zen.param = "model.layers.3.mlp.shared_expert.gate_proj.weight"},
    %sh_up: tensor<512x2048xbf16> {zen.param = "model.layers.3.mlp.shared_expert.up_proj.weight"},
    %sh_down: tensor<2048x512xbf16> {zen.param = "model.layers.3.mlp.shared_expert.down_proj.weight"},
    %sh_expert_gate: tensor<1x2048xbf16> {zen.param = "model.layers.3.mlp.shared_expert_gate.weight"})
    -> tensor<?x?x2048xbf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x2048xbf16>
  %t = tensor.dim %x, %c1 : tensor<?x?x2048xbf16>

  %h = zen.rms_norm %x, %ln1 {zero_centered} : tensor<?x?x2048xbf16>, tensor<2048xbf16>

  // q_proj rows are interleaved per head: head h owns [q_h (256) | gate_h (256)].
  %qg = zen.linear %h, %wq : tensor<?x?x2048xbf16>, tensor<8192x2048xbf16>
  %qg4 = tensor.expand_shape %qg [[0], [1], [2, 3]] output_shape [%b, %t, 16, 512]
      : tensor<?x?x8192xbf16> into tensor<?x?x16x512xbf16>
  %q = tensor.extract_slice %qg4[0, 0, 0, 0] [%b, %t, 16, 256] [1, 1, 1, 1]
      : tensor<?x?x16x512xbf16> to tensor<?x?x16x256xbf16>
  %gate = tensor.extract_slice %qg4[0, 0, 0, 256] [%b, %t, 16, 256] [1, 1, 1, 1]
      : tensor<?x?x16x512xbf16> to tensor<?x?x16x256xbf16>
  %k2 = zen.linear %h, %wk : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>
  %v2 = zen.linear %h, %wv : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>
  %k = tensor.expand_shape %k2 [[0], [1], [2, 3]] output_shape [%b, %t, 2, 256]
      : tensor<?x?x512xbf16> into tensor<?x?x2x256xbf16>
  %v = tensor.expand_shape %v2 [[0], [1], [2, 3]] output_shape [%b, %t, 2, 256]
      : tensor<?x?x512xbf16> into tensor<?x?x2x256xbf16>

  // Zero-centred per-head qk-norm, then partial RoPE (64 of 256 dims).
  %qn2 = zen.rms_norm %q, %qn {zero_centered} : tensor<?x?x16x256xbf16>, tensor<256xbf16>
  %kn2 = zen.rms_norm %k, %kn {zero_centered} : tensor<?x?x2x256xbf16>, tensor<256xbf16>
  %qr = zen.rope %qn2, %positions {rotary_dim = 64 : i64, theta = 1.0e+07 : f64}
      : tensor<?x?x16x256xbf16>, tensor<?x?xi64>
  %kr = zen.rope %kn2, %positions {rotary_dim = 64 : i64, theta = 1.0e+07 : f64}
      : tensor<?x?x2x256xbf16>, tensor<?x?xi64>

  // GQA (8 query heads per KV head), causal, scale 256^-0.5, sigmoid output gate.
  %o = zen.attention %qr, %kr, %v gate(%gate) {causal}
      : tensor<?x?x16x256xbf16>, tensor<?x?x2x256xbf16>, tensor<?x?x2x256xbf16>
  %o2 = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<?x?x16x256xbf16> into tensor<?x?x4096xbf16>
  %attn = zen.linear %o2, %wo : tensor<?x?x4096xbf16>, tensor<2048x4096xbf16>
  %r1 = arith.addf %x, %attn : tensor<?x?x2048xbf16>

  // Sparse MoE with the gated shared expert.
  %h2 = zen.rms_norm %r1, %ln2 {zero_centered} : tensor<?x?x2048xbf16>, tensor<2048xbf16>
  %moe = zen.moe %h2, %router, %ex_gate, %ex_up, %ex_down shared(%sh_gate, %sh_up, %sh_down, %sh_expert_gate)
      {top_k = 10 : i64, norm_topk_prob}
      : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x512x2048xbf16>, tensor<512x512x2048xbf16>,
        tensor<512x2048x512xbf16>, tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>, tensor<1x2048xbf16>
  %r2 = arith.addf %r1, %moe : tensor<?x?x2048xbf16>
  return %r2 : tensor<?x?x2048xbf16>
}
