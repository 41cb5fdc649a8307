"""Independent parameter count: enumerates every tensor of the HF checkpoint
(names and shapes from shared/reference/qwen3-architectures.md §3 and §4)
for the spec in a `zen-compile --dump-spec` file, and compares the sums with
the totals of `zen-compile --report=json`.

usage: count_params.py SPEC.dump REPORT.json
Prints `OK <name>: <n> tensors, total <t>, text <x>, active <a>` or fails.
"""

import json
import sys
from math import prod


def load_dump(path):
    spec = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition(" = ")
            spec[key] = value
    return spec


def ints(value):
    return [int(v) for v in value.strip("[]").split(",") if v.strip()]


def text_tensors(s):
    """(name, shape, active_share) for the text decoder: embedding, layers,
    final norm, LM head. active_share is the fraction one token uses."""
    g = lambda k: int(s["model." + k])
    H, V, L = g("hidden_size"), g("vocab_size"), g("num_hidden_layers")
    nh, nkv, hd = g("num_attention_heads"), g("num_key_value_heads"), g("head_dim")
    hybrid = s["family"] == "hybrid"
    omni = "thinker.vision_config.depth" in s
    pre = "thinker.model." if omni else "model."
    out = [(pre + "embed_tokens.weight", [V, H], 1)]
    width = len(str(max(L - 1, 0)))
    for i in range(L):
        mixer, ffn = s["layers." + str(i).zfill(width)].split()
        out += layer_tensors(s, "%slayers.%d." % (pre, i), mixer, ffn, hybrid)
    out.append((pre + "norm.weight", [H], 1))
    if s["model.tie_word_embeddings"] != "true":
        out.append(("thinker.lm_head.weight" if omni else "lm_head.weight", [V, H], 1))
    return out


def layer_tensors(s, p, mixer, ffn, hybrid):
    g = lambda k: int(s["model." + k])
    H = g("hidden_size")
    nh, nkv, hd = g("num_attention_heads"), g("num_key_value_heads"), g("head_dim")
    t = [(p + "input_layernorm.weight", [H], 1),
         (p + "post_attention_layernorm.weight", [H], 1)]
    if mixer == "full_attention":
        q_out = nh * hd * (2 if hybrid else 1)  # Next: per-head [q | gate]
        t += [(p + "self_attn.q_proj.weight", [q_out, H], 1),
              (p + "self_attn.k_proj.weight", [nkv * hd, H], 1),
              (p + "self_attn.v_proj.weight", [nkv * hd, H], 1),
              (p + "self_attn.o_proj.weight", [H, nh * hd], 1),
              (p + "self_attn.q_norm.weight", [hd], 1),
              (p + "self_attn.k_norm.weight", [hd], 1)]
    else:
        hk, hv = g("linear_num_key_heads"), g("linear_num_value_heads")
        dk, dv, kernel = g("linear_key_head_dim"), g("linear_value_head_dim"), g("linear_conv_kernel_dim")
        key_dim, value_dim = hk * dk, hv * dv
        t += [(p + "linear_attn.in_proj_qkvz.weight", [2 * key_dim + 2 * value_dim, H], 1),
              (p + "linear_attn.in_proj_ba.weight", [2 * hv, H], 1),
              (p + "linear_attn.conv1d.weight", [2 * key_dim + value_dim, 1, kernel], 1),
              (p + "linear_attn.dt_bias", [hv], 1),
              (p + "linear_attn.A_log", [hv], 1),
              (p + "linear_attn.norm.weight", [dv], 1),
              (p + "linear_attn.out_proj.weight", [H, value_dim], 1)]
    if ffn == "mlp":
        I = g("intermediate_size")
        t += [(p + "mlp.gate_proj.weight", [I, H], 1),
              (p + "mlp.up_proj.weight", [I, H], 1),
              (p + "mlp.down_proj.weight", [H, I], 1)]
        return t
    E, k, Im = g("num_experts"), g("num_experts_per_tok"), g("moe_intermediate_size")
    t.append((p + "mlp.gate.weight", [E, H], 1))
    for e in range(E):
        # A token visits k of the E experts.
        share = k / E
        t += [(p + "mlp.experts.%d.gate_proj.weight" % e, [Im, H], share),
              (p + "mlp.experts.%d.up_proj.weight" % e, [Im, H], share),
              (p + "mlp.experts.%d.down_proj.weight" % e, [H, Im], share)]
    Is = g("shared_expert_intermediate_size")
    if Is:
        t += [(p + "mlp.shared_expert.gate_proj.weight", [Is, H], 1),
              (p + "mlp.shared_expert.up_proj.weight", [Is, H], 1),
              (p + "mlp.shared_expert.down_proj.weight", [H, Is], 1),
              (p + "mlp.shared_expert_gate.weight", [1, H], 1)]
    return t


def mtp_tensors(s):
    if s["family"] != "hybrid":
        return []
    H = int(s["model.hidden_size"])
    t = [("mtp.fc.weight", [H, 2 * H]),
         ("mtp.pre_fc_norm_embedding.weight", [H]),
         ("mtp.pre_fc_norm_hidden.weight", [H]),
         ("mtp.norm.weight", [H])]
    for n in range(int(s["model.num_nextn_predict_layers"])):
        t += [(name, shape) for name, shape, _ in
              layer_tensors(s, "mtp.layers.%d." % n, "full_attention", "moe", True)]
    return t


def vision_tensors(s):
    g = lambda k: int(s["thinker.vision_config." + k])
    h, inter, out = g("hidden_size"), g("intermediate_size"), g("out_hidden_size")
    merged = h * g("spatial_merge_size") ** 2
    p = "thinker.visual."
    t = [(p + "patch_embed.proj.weight", [h, g("in_channels"), g("temporal_patch_size"), g("patch_size"), g("patch_size")]),
         (p + "patch_embed.proj.bias", [h]),
         (p + "pos_embed.weight", [g("num_position_embeddings"), h])]
    for b in range(g("depth")):
        q = "%sblocks.%d." % (p, b)
        t += [(q + "norm1.weight", [h]), (q + "norm1.bias", [h]),
              (q + "norm2.weight", [h]), (q + "norm2.bias", [h]),
              (q + "attn.qkv.weight", [3 * h, h]), (q + "attn.qkv.bias", [3 * h]),
              (q + "attn.proj.weight", [h, h]), (q + "attn.proj.bias", [h]),
              (q + "mlp.linear_fc1.weight", [inter, h]), (q + "mlp.linear_fc1.bias", [inter]),
              (q + "mlp.linear_fc2.weight", [h, inter]), (q + "mlp.linear_fc2.bias", [h])]

    def merger(q, norm_width):
        return [(q + "ln_q.weight", [norm_width]), (q + "ln_q.bias", [norm_width]),
                (q + "mlp.0.weight", [merged, merged]), (q + "mlp.0.bias", [merged]),
                (q + "mlp.2.weight", [out, merged]), (q + "mlp.2.bias", [out])]

    t += merger(p + "merger.", h)
    for j in range(len(ints(s["thinker.vision_config.deepstack_visual_indexes"]))):
        t += merger("%smerger_list.%d." % (p, j), merged)
    return t


def audio_tensors(s):
    g = lambda k: int(s["thinker.audio_config." + k])
    d, ffn, c, out = g("d_model"), g("encoder_ffn_dim"), g("downsample_hidden_size"), g("output_dim")
    freq = g("num_mel_bins")
    for _ in range(3):  # 3x3 kernel, stride 2, padding 1
        freq = (freq + 2 - 3) // 2 + 1
    p = "thinker.audio_tower."
    t = [(p + "conv2d1.weight", [c, 1, 3, 3]), (p + "conv2d1.bias", [c]),
         (p + "conv2d2.weight", [c, c, 3, 3]), (p + "conv2d2.bias", [c]),
         (p + "conv2d3.weight", [c, c, 3, 3]), (p + "conv2d3.bias", [c]),
         (p + "conv_out.weight", [d, c * freq])]
    for n in range(g("encoder_layers")):
        q = "%slayers.%d." % (p, n)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            t += [(q + "self_attn.%s.weight" % proj, [d, d]), (q + "self_attn.%s.bias" % proj, [d])]
        t += [(q + "self_attn_layer_norm.weight", [d]), (q + "self_attn_layer_norm.bias", [d]),
              (q + "fc1.weight", [ffn, d]), (q + "fc1.bias", [ffn]),
              (q + "fc2.weight", [d, ffn]), (q + "fc2.bias", [d]),
              (q + "final_layer_norm.weight", [d]), (q + "final_layer_norm.bias", [d])]
    t += [(p + "ln_post.weight", [d]), (p + "ln_post.bias", [d]),
          (p + "proj1.weight", [d, d]), (p + "proj1.bias", [d]),
          (p + "proj2.weight", [out, d]), (p + "proj2.bias", [out])]
    return t


def main():
    spec = load_dump(sys.argv[1])
    with open(sys.argv[2]) as f:
        report = json.load(f)
    text = text_tensors(spec)
    others = mtp_tensors(spec)
    if "thinker.vision_config.depth" in spec:
        others += vision_tensors(spec) + audio_tensors(spec)
    names = [n for n, _, _ in text] + [n for n, _ in others]
    assert len(names) == len(set(names)), "duplicate tensor names"
    text_total = sum(prod(shape) for _, shape, _ in text)
    total = text_total + sum(prod(shape) for _, shape in others)
    active = round(sum(prod(shape) * share for _, shape, share in text))
    expected = {"total_params": total, "text_params": text_total, "active_params": active}
    for key, value in expected.items():
        if report[key] != value:
            sys.exit("MISMATCH %s %s: report %d, tensors %d" % (spec["name"], key, report[key], value))
    print("OK %s: %d tensors, total %d, text %d, active %d"
          % (spec["name"], len(names), total, text_total, active))


main()
