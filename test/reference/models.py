"""Zen's numpy reference forward pass for Qwen3 (dense), Qwen3-MoE (also the Omni thinker's
text stack) and Qwen3-Next, built from ops.py and the math in
shared/reference/qwen3-architectures.md ("arch §x"). Float64 throughout; logits come back as
float64 [B, T, V].

Inputs:
- `config`: a dict with HF config.json key names; both config dialects are accepted
  (transformers 4.x top-level rope_theta / partial_rotary_factor / full_attention_interval,
  and transformers 5 rope_parameters / layer_types), arch §1.
- `weights`: dict HF tensor name -> array (arch §3), per-expert keys
  `model.layers.{i}.mlp.experts.{e}.{gate,up,down}_proj.weight` (stacked here), no
  `lm_head.weight` needed when embeddings are tied.
- `lora` (optional): {module path: (A [r, in], B [out, r], scale)}, e.g.
  {"model.layers.0.self_attn.q_proj": (A, B, 2.0)}; see lora_from_peft.

Positions: when `positions` is not given, positions = cumsum(attention_mask, -1) - 1 clipped
at 0 (what HF `generate` passes; a left-padded row then sees the same positions as the
unpadded sequence). Without a mask that is arange(T). NOTE: calling an HF model directly with
an attention_mask but no position_ids uses arange(T) instead; pass positions explicitly to
reproduce that.
"""

import numpy as np

import ops


# ---------------------------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------------------------

_FAMILIES = {"qwen3": "dense", "qwen3_moe": "moe", "qwen3_omni_moe_text": "moe",
             "qwen3_next": "next"}


def resolve_config(config):
    """Normalise an HF config dict into the fields the reference uses (arch §1, §2.1, §2.8).

    Defaults where a key is absent are the HF config classes' defaults: head_dim =
    hidden_size / num_attention_heads, rope_theta 10000, partial_rotary_factor 1.0 (0.25 for
    qwen3_next), norm_topk_prob False for qwen3_moe and True for qwen3_next,
    decoder_sparse_step 1, mlp_only_layers [], full_attention_interval 4.
    `gdn_chunk_size` (default 64, HF's chunk) is a reference-only knob for tests.
    """
    mt = config.get("model_type")
    if mt not in _FAMILIES:
        raise ValueError(f"unsupported model_type {mt!r}; expected one of {sorted(_FAMILIES)}")
    family = _FAMILIES[mt]
    rp = config.get("rope_parameters") or {}
    scaling = config.get("rope_scaling") or {}
    rtype = scaling.get("rope_type", scaling.get("type", "default"))
    if scaling and "mrope_section" not in scaling and rtype != "default":
        raise NotImplementedError(f"rope_scaling type {rtype!r} is not modelled by the reference")
    H = config["hidden_size"]
    nh = config["num_attention_heads"]
    hd = config.get("head_dim") or H // nh
    prf = config.get("partial_rotary_factor", rp.get("partial_rotary_factor",
                                                     0.25 if family == "next" else 1.0))
    L = config["num_hidden_layers"]
    c = dict(
        model_type=mt, family=family, H=H, L=L, nh=nh, nkv=config["num_key_value_heads"],
        hd=hd, I=config.get("intermediate_size"), V=config["vocab_size"],
        eps=config.get("rms_norm_eps", 1e-6),
        theta=config.get("rope_theta", rp.get("rope_theta", 10000.0)),
        rotary_dim=int(hd * prf), tie=bool(config.get("tie_word_embeddings", False)),
        zero_centered=(family == "next"),
        # Omni's thinker names its text tensors thinker.model.* and thinker.lm_head.weight.
        prefix="thinker." if mt == "qwen3_omni_moe_text" else "",
        gdn_chunk_size=int(config.get("gdn_chunk_size", 64)))
    if c["rotary_dim"] % 2 or c["rotary_dim"] <= 0:
        raise ValueError(f"rotary dim head_dim*partial_rotary_factor = {c['rotary_dim']} "
                         "must be even and positive")
    E = config.get("num_experts", 0) or 0
    if family == "dense":
        E = 0
    c.update(E=E, top_k=config.get("num_experts_per_tok"),
             Imoe=config.get("moe_intermediate_size"),
             Ishared=config.get("shared_expert_intermediate_size", 0) or 0,
             norm_topk=bool(config.get("norm_topk_prob", family == "next")))
    step = config.get("decoder_sparse_step", 1) or 1
    mlp_only = set(config.get("mlp_only_layers") or [])
    # arch §2.1: layer i is MoE iff i not in mlp_only_layers, num_experts > 0 and
    # (i + 1) % decoder_sparse_step == 0.
    c["is_moe"] = [E > 0 and i not in mlp_only and (i + 1) % step == 0 for i in range(L)]
    if family == "next":
        types = config.get("layer_types")
        if types is None:
            interval = config.get("full_attention_interval", 4)
            types = ["full_attention" if (i + 1) % interval == 0 else "linear_attention"
                     for i in range(L)]
        if len(types) != L or any(t not in ("full_attention", "linear_attention") for t in types):
            raise ValueError(f"layer_types must list {L} of full_attention/linear_attention")
        c["layer_types"] = list(types)
        c.update(conv_k=config.get("linear_conv_kernel_dim", 4),
                 dk=config["linear_key_head_dim"], dv=config["linear_value_head_dim"],
                 Hk=config["linear_num_key_heads"], Hv=config["linear_num_value_heads"])
        if c["Hv"] % c["Hk"]:
            raise ValueError("linear_num_value_heads must be a multiple of linear_num_key_heads")
    else:
        c["layer_types"] = ["full_attention"] * L
    return c


def weight_shapes(config, include_mtp=None):
    """Every HF tensor name of the model and its shape (arch §3), in load order.
    include_mtp (Qwen3-Next only; default True there) adds the `mtp.*` tensors (arch §2.9)."""
    c = resolve_config(config)
    H, nh, nkv, hd, V = c["H"], c["nh"], c["nkv"], c["hd"], c["V"]
    P = c["prefix"]
    shapes = {P + "model.embed_tokens.weight": (V, H)}

    def attn(p, gated):
        shapes.update({p + "self_attn.q_proj.weight": (nh * hd * (2 if gated else 1), H),
                       p + "self_attn.k_proj.weight": (nkv * hd, H),
                       p + "self_attn.v_proj.weight": (nkv * hd, H),
                       p + "self_attn.o_proj.weight": (H, nh * hd),
                       p + "self_attn.q_norm.weight": (hd,),
                       p + "self_attn.k_norm.weight": (hd,)})

    def ffn(p, moe):
        if moe:
            E, Im = c["E"], c["Imoe"]
            shapes[p + "mlp.gate.weight"] = (E, H)
            for e in range(E):
                q = f"{p}mlp.experts.{e}."
                shapes.update({q + "gate_proj.weight": (Im, H), q + "up_proj.weight": (Im, H),
                               q + "down_proj.weight": (H, Im)})
            if c["Ishared"]:
                Is = c["Ishared"]
                shapes.update({p + "mlp.shared_expert.gate_proj.weight": (Is, H),
                               p + "mlp.shared_expert.up_proj.weight": (Is, H),
                               p + "mlp.shared_expert.down_proj.weight": (H, Is),
                               p + "mlp.shared_expert_gate.weight": (1, H)})
        else:
            I = c["I"]
            shapes.update({p + "mlp.gate_proj.weight": (I, H), p + "mlp.up_proj.weight": (I, H),
                           p + "mlp.down_proj.weight": (H, I)})

    for i in range(c["L"]):
        p = f"{P}model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (H,)
        if c["layer_types"][i] == "full_attention":
            attn(p, gated=c["family"] == "next")
        else:
            Hk, Hv, dk, dv, K = c["Hk"], c["Hv"], c["dk"], c["dv"], c["conv_k"]
            q = p + "linear_attn."
            shapes.update({q + "in_proj_qkvz.weight": (2 * Hk * dk + 2 * Hv * dv, H),
                           q + "in_proj_ba.weight": (2 * Hv, H),
                           q + "conv1d.weight": (2 * Hk * dk + Hv * dv, 1, K),
                           q + "dt_bias": (Hv,), q + "A_log": (Hv,), q + "norm.weight": (dv,),
                           q + "out_proj.weight": (H, Hv * dv)})
        shapes[p + "post_attention_layernorm.weight"] = (H,)
        ffn(p, c["is_moe"][i])
    shapes[P + "model.norm.weight"] = (H,)
    if not c["tie"]:
        shapes[P + "lm_head.weight"] = (V, H)
    if include_mtp is None:
        include_mtp = c["family"] == "next"
    if include_mtp:
        if c["family"] != "next":
            raise ValueError("MTP tensors exist only for qwen3_next")
        shapes.update({"mtp.fc.weight": (H, 2 * H), "mtp.pre_fc_norm_embedding.weight": (H,),
                       "mtp.pre_fc_norm_hidden.weight": (H,), "mtp.norm.weight": (H,)})
        p = "mtp.layers.0."
        shapes[p + "input_layernorm.weight"] = (H,)
        attn(p, gated=True)
        shapes[p + "post_attention_layernorm.weight"] = (H,)
        ffn(p, c["E"] > 0)
    return shapes


def random_weights(config, seed=0, dtype=np.float32, std=0.02, include_mtp=None):
    """Random weights with every HF name and shape of weight_shapes(config).

    Linear and embedding weights ~ N(0, std); plain RMSNorm weights 1 + N(0, 0.1); zero-centred
    (Qwen3-Next) norm offsets N(0, 0.1); Gated-DeltaNet conv1d N(0, 1/sqrt(K)); A_log = log U(0.2,
    1.5) and dt_bias U(-2, 0.5), so the decay exp(g) lies roughly in (0.2, 1) and the recurrent
    state matters (HF's init, A ~ U(0, 16) and dt_bias = 1, forgets almost at once).
    The values are rounded to `dtype`, so saving them in that dtype loses nothing.
    """
    c = resolve_config(config)
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in weight_shapes(config, include_mtp).items():
        if name.endswith("norm.weight") and "linear_attn" not in name:
            w = rng.normal(0.0, 0.1, shape)
            if not c["zero_centered"]:
                w = w + 1.0
        elif name.endswith("linear_attn.norm.weight"):
            w = 1.0 + rng.normal(0.0, 0.1, shape)          # gated norm: plain scale
        elif name.endswith("conv1d.weight"):
            w = rng.normal(0.0, shape[-1] ** -0.5, shape)
        elif name.endswith("A_log"):
            w = np.log(rng.uniform(0.2, 1.5, shape))
        elif name.endswith("dt_bias"):
            w = rng.uniform(-2.0, 0.5, shape)
        else:
            w = rng.normal(0.0, std, shape)
        out[name] = np.asarray(w, dtype=dtype)
    return out


def lm_head_weight(config, weights):
    """The LM head (arch §2.1, §2.11): lm_head.weight, or embed_tokens when the embeddings are
    tied (tie_word_embeddings) or lm_head.weight is absent."""
    c = resolve_config(config)
    name = c["prefix"] + "lm_head.weight"
    if c["tie"] or name not in weights:
        return weights[c["prefix"] + "model.embed_tokens.weight"]
    return weights[name]


# ---------------------------------------------------------------------------------------------
# LoRA helpers (gspo-training.md §6)
# ---------------------------------------------------------------------------------------------

def lora_from_peft(adapter, lora_alpha, r=None, use_rslora=False):
    """PEFT adapter tensors `base_model.model.<module>.lora_{A,B}.weight` -> {module: (A, B,
    scale)} with scale alpha / r (alpha / sqrt(r) with rslora); r defaults to A's rows."""
    lora = {}
    for key, A in adapter.items():
        if not key.endswith(".lora_A.weight"):
            continue
        mod = key[len("base_model.model."):-len(".lora_A.weight")]
        B = adapter[key.replace(".lora_A.weight", ".lora_B.weight")]
        rank = A.shape[0] if r is None else r
        scale = lora_alpha / (np.sqrt(rank) if use_rslora else rank)
        lora[mod] = (A, B, scale)
    return lora


def merge_lora(weights, lora):
    """Weights with every adapter merged: W + scale * B A (gspo-training.md §6)."""
    merged = dict(weights)
    for mod, (A, B, scale) in lora.items():
        name = mod + ".weight"
        merged[name] = ops._f64(weights[name]) + scale * (ops._f64(B) @ ops._f64(A))
    return merged


# ---------------------------------------------------------------------------------------------
# Shared plumbing
# ---------------------------------------------------------------------------------------------

class _Ctx:
    """Resolved config + weights + LoRA adapters; `w` and `lin` fetch by HF name."""

    def __init__(self, config, weights, lora=None):
        self.c = resolve_config(config)
        self.config = config
        self.weights = weights
        self.lora = dict(lora or {})
        for mod in self.lora:
            if ".mlp.experts." in mod or mod.endswith(".mlp.gate") or ".shared_expert" in mod:
                raise NotImplementedError(f"LoRA on MoE module {mod!r} is not modelled by the "
                                          "reference (attention, Gated-DeltaNet and dense MLP "
                                          "projections are)")

    def head(self):
        return lm_head_weight(self.config, self.weights)

    def w(self, name):
        full = self.c["prefix"] + name
        try:
            return self.weights[full]
        except KeyError:
            raise KeyError(f"missing tensor {full!r}") from None

    def lin(self, x, module):
        """ops.linear with `module`.weight and the module's LoRA adapter, if any."""
        full = self.c["prefix"] + module
        ad = self.lora.get(full)
        if ad is None:
            return ops.linear(x, self.w(module + ".weight"))
        A, B, scale = ad
        return ops.linear(x, self.w(module + ".weight"), lora_a=A, lora_b=B, lora_scale=scale)

    def norm(self, x, name):
        """The layer RMSNorm: w*y (Qwen3 / MoE) or (1+w)*y (Qwen3-Next), arch §2.2."""
        return ops.rms_norm(x, self.w(name), self.c["eps"], self.c["zero_centered"])


def default_positions(attention_mask, batch, length):
    """cumsum(mask, -1) - 1 clipped at 0 (HF generate's position_ids); arange without a mask."""
    if attention_mask is None:
        return np.broadcast_to(np.arange(length, dtype=np.int64), (batch, length)).copy()
    m = np.asarray(attention_mask, dtype=np.int64)
    return np.maximum(np.cumsum(m, axis=-1) - 1, 0)


class DecodeCache:
    """State carried from prefill to decode (arch §2.10).

    layers[i]: {"k", "v"} [B, nkv, Smax, hd] (post qk-norm, post RoPE) for attention layers;
    {"conv_state" [B, conv_dim, K], "recurrent_state" [B, Hv, dk, dv]} for Gated-DeltaNet.
    mask [B, length]: the 0/1 attention mask of every token seen so far.
    next_position [B]: the RoPE position of the next token (last position + 1).
    """

    def __init__(self, layers, mask, next_position):
        self.layers = layers
        self.mask = mask
        self.next_position = next_position

    @property
    def length(self):
        return self.mask.shape[1]


# ---------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------

def _softmax_attention(ctx, x, q, k, v, gate, positions, mask, kv, p0, module):
    """RoPE, cache handling and o_proj shared by both attention blocks."""
    c = ctx.c
    B, T = x.shape[:2]
    q = ops.rope(q, positions, c["theta"], c["rotary_dim"])
    k = ops.rope(k, positions, c["theta"], c["rotary_dim"])
    if kv is None:
        o = ops.attention(q, k, v, mask=mask, gate=gate)
    else:
        o, kv["k"], kv["v"] = ops.attention(q, k, v, mask=mask, gate=gate, k_cache=kv["k"],
                                            v_cache=kv["v"], cache_position=p0)
    return ctx.lin(o.reshape(B, T, c["nh"] * c["hd"]), module + "o_proj")


def qwen3_attention_block(ctx, p, x, positions, mask, kv=None, p0=0):
    """Qwen3 / Qwen3-MoE / Omni attention (arch §2.3): q/k per-head RMSNorm before RoPE, GQA,
    causal softmax, o_proj. `kv` (a cache entry, updated in place) and p0 select the cache path."""
    c = ctx.c
    B, T = x.shape[:2]
    a = p + "self_attn."
    q = ctx.lin(x, a + "q_proj").reshape(B, T, c["nh"], c["hd"])
    k = ctx.lin(x, a + "k_proj").reshape(B, T, c["nkv"], c["hd"])
    v = ctx.lin(x, a + "v_proj").reshape(B, T, c["nkv"], c["hd"])
    q = ctx.norm(q, a + "q_norm.weight")
    k = ctx.norm(k, a + "k_norm.weight")
    return _softmax_attention(ctx, x, q, k, v, None, positions, mask, kv, p0, a)


def qwen3_next_attention_block(ctx, p, x, positions, mask, kv=None, p0=0):
    """Qwen3-Next gated attention (arch §2.6): q_proj rows per head are [q_h | gate_h]
    (head h owns rows [h*2hd, h*2hd+hd) for q, the next hd for the gate); zero-centred q/k norm;
    partial RoPE; o = attn * sigmoid(gate) before o_proj."""
    c = ctx.c
    B, T = x.shape[:2]
    a = p + "self_attn."
    qg = ctx.lin(x, a + "q_proj").reshape(B, T, c["nh"], 2 * c["hd"])
    q, gate = qg[..., :c["hd"]], qg[..., c["hd"]:]
    k = ctx.lin(x, a + "k_proj").reshape(B, T, c["nkv"], c["hd"])
    v = ctx.lin(x, a + "v_proj").reshape(B, T, c["nkv"], c["hd"])
    q = ctx.norm(q, a + "q_norm.weight")
    k = ctx.norm(k, a + "k_norm.weight")
    return _softmax_attention(ctx, x, q, k, v, gate, positions, mask, kv, p0, a)


def qwen3_next_gated_deltanet_block(ctx, p, x, mask, state=None):
    """Qwen3-Next Gated DeltaNet (arch §2.7, steps 1-10). `state` is the layer's cache entry
    ({"conv_state", "recurrent_state"}), updated in place when given; without one the layer
    starts from zero states. HF's rule (arch §2.10): the recurrent form for a single token with
    a state, the chunked form otherwise. Unlike HF, a multi-token call with a state continues
    from it (HF would restart from zero there)."""
    c = ctx.c
    B, T = x.shape[:2]
    Hk, Hv, dk, dv = c["Hk"], c["Hv"], c["dk"], c["dv"]
    r = Hv // Hk
    la = p + "linear_attn."
    if mask is not None:                                       # step 1
        x = ops.mask_padding(x, mask)
    qkvz = ctx.lin(x, la + "in_proj_qkvz")                     # step 2
    ba = ctx.lin(x, la + "in_proj_ba")
    # Step 3: per-key-head regrouping, [dk q | dk k | r*dv v | r*dv z] per key head.
    qkvz = qkvz.reshape(B, T, Hk, 2 * dk + 2 * r * dv)
    q = qkvz[..., :dk]
    k = qkvz[..., dk:2 * dk]
    v = qkvz[..., 2 * dk:2 * dk + r * dv].reshape(B, T, Hv, dv)   # value head = kh*r + j
    z = qkvz[..., 2 * dk + r * dv:].reshape(B, T, Hv, dv)
    ba = ba.reshape(B, T, Hk, 2 * r)
    b = ba[..., :r].reshape(B, T, Hv)
    a = ba[..., r:].reshape(B, T, Hv)
    # Step 4: q || k || v (head-major) through the causal conv + SiLU, then split back.
    mixed = np.concatenate([q.reshape(B, T, Hk * dk), k.reshape(B, T, Hk * dk),
                            v.reshape(B, T, Hv * dv)], axis=-1)
    conv_in = None if state is None else state["conv_state"]
    mixed, conv_state = ops.causal_conv1d(mixed, ctx.w(la + "conv1d.weight"), conv_in)
    kd = Hk * dk
    q = mixed[..., :kd].reshape(B, T, Hk, dk)
    k = mixed[..., kd:2 * kd].reshape(B, T, Hk, dk)
    v = mixed[..., 2 * kd:].reshape(B, T, Hv, dv)
    g, beta = ops.gdn_gates(a, b, ctx.w(la + "A_log"), ctx.w(la + "dt_bias"))   # step 5
    s0 = None if state is None else state["recurrent_state"]
    mode = "recurrent" if (s0 is not None and T == 1) else "chunked"
    o, s1 = ops.gated_delta_rule(q, k, v, g, beta, initial_state=s0, mode=mode,
                                 chunk_size=c["gdn_chunk_size"], use_qk_l2norm=True)  # 6-9
    o = ops.gated_rms_norm(o, z, ctx.w(la + "norm.weight"), c["eps"])               # step 10
    if state is not None:
        state["conv_state"], state["recurrent_state"] = conv_state, s1
    return ctx.lin(o.reshape(B, T, Hv * dv), la + "out_proj")


def qwen3_mlp_block(ctx, p, x):
    """SwiGLU MLP (arch §2.5): down(silu(gate(x)) * up(x))."""
    m = p + "mlp."
    return ctx.lin(ops.swiglu(ctx.lin(x, m + "gate_proj"), ctx.lin(x, m + "up_proj")),
                   m + "down_proj")


def qwen3_moe_block(ctx, p, x):
    """Sparse MoE FFN (arch §2.5): per-expert HF tensors stacked to [E, I, H] / [E, H, I];
    shared expert with its sigmoid gate when shared_expert_intermediate_size > 0 (Next)."""
    c = ctx.c
    m = p + "mlp."
    ex = [f"{m}experts.{e}." for e in range(c["E"])]
    gate_w = np.stack([ctx.w(e + "gate_proj.weight") for e in ex])
    up_w = np.stack([ctx.w(e + "up_proj.weight") for e in ex])
    down_w = np.stack([ctx.w(e + "down_proj.weight") for e in ex])
    shared = {}
    if c["Ishared"]:
        shared = dict(shared_gate_w=ctx.w(m + "shared_expert.gate_proj.weight"),
                      shared_up_w=ctx.w(m + "shared_expert.up_proj.weight"),
                      shared_down_w=ctx.w(m + "shared_expert.down_proj.weight"),
                      shared_expert_gate_w=ctx.w(m + "shared_expert_gate.weight"))
    return ops.moe(x, ctx.w(m + "gate.weight"), gate_w, up_w, down_w, c["top_k"],
                   c["norm_topk"], **shared)


# ---------------------------------------------------------------------------------------------
# Decoder layers, one per family (arch §2.1)
# ---------------------------------------------------------------------------------------------

def qwen3_decoder_layer(ctx, p, x, positions, mask, entry=None, p0=0, gdn_mask=None):
    """Qwen3 dense: x += attn(norm(x)); x += mlp(norm(x))."""
    x = x + qwen3_attention_block(ctx, p, ctx.norm(x, p + "input_layernorm.weight"), positions,
                                  mask, entry, p0)
    return x + qwen3_mlp_block(ctx, p, ctx.norm(x, p + "post_attention_layernorm.weight"))


def qwen3_moe_decoder_layer(ctx, p, x, positions, mask, entry=None, p0=0, gdn_mask=None,
                            moe=True):
    """Qwen3-MoE / Omni thinker: attention as Qwen3, FFN = MoE (or a dense MLP on
    mlp_only_layers / off the decoder_sparse_step)."""
    x = x + qwen3_attention_block(ctx, p, ctx.norm(x, p + "input_layernorm.weight"), positions,
                                  mask, entry, p0)
    h = ctx.norm(x, p + "post_attention_layernorm.weight")
    return x + (qwen3_moe_block(ctx, p, h) if moe else qwen3_mlp_block(ctx, p, h))


def qwen3_next_decoder_layer(ctx, p, x, positions, mask, entry=None, p0=0, gdn_mask=None,
                             moe=True, layer_type="full_attention"):
    """Qwen3-Next: zero-centred norms; mixer = gated attention (full_attention) or Gated
    DeltaNet (linear_attention, which gets the new tokens' 2-D mask `gdn_mask`); FFN = MoE with
    shared expert (or a dense MLP off the sparse schedule)."""
    h = ctx.norm(x, p + "input_layernorm.weight")
    if layer_type == "full_attention":
        h = qwen3_next_attention_block(ctx, p, h, positions, mask, entry, p0)
    else:
        h = qwen3_next_gated_deltanet_block(ctx, p, h, gdn_mask, entry)
    x = x + h
    h = ctx.norm(x, p + "post_attention_layernorm.weight")
    return x + (qwen3_moe_block(ctx, p, h) if moe else qwen3_mlp_block(ctx, p, h))


def _layer(ctx, i, x, positions, attn_mask, gdn_mask, entry, p0):
    c = ctx.c
    p = f"model.layers.{i}."
    if c["family"] == "dense":
        return qwen3_decoder_layer(ctx, p, x, positions, attn_mask, entry, p0)
    if c["family"] == "moe":
        return qwen3_moe_decoder_layer(ctx, p, x, positions, attn_mask, entry, p0,
                                       moe=c["is_moe"][i])
    return qwen3_next_decoder_layer(ctx, p, x, positions, attn_mask, entry, p0, gdn_mask,
                                    moe=c["is_moe"][i], layer_type=c["layer_types"][i])


def _check_inputs(c, input_ids, attention_mask, positions):
    ids = np.asarray(input_ids, dtype=np.int64)
    if ids.ndim != 2:
        raise ValueError(f"input_ids must be [B, T], found shape {list(ids.shape)}")
    if attention_mask is not None and np.shape(attention_mask) != ids.shape:
        raise ValueError(f"attention_mask must have input_ids' shape {list(ids.shape)}, found "
                         f"{list(np.shape(attention_mask))}")
    if positions is not None and np.shape(positions) != ids.shape:
        raise ValueError(f"positions must have input_ids' shape {list(ids.shape)}, found "
                         f"{list(np.shape(positions))}")
    return ids


def _run(ctx, ids, positions, attn_mask, gdn_mask, cache):
    """Embedding, the decoder stack, the final norm; returns the final-normed hidden states."""
    c = ctx.c
    x = ops.embedding(ids, ctx.w("model.embed_tokens.weight"))
    p0 = 0 if cache is None else cache.length - ids.shape[1]
    for i in range(c["L"]):
        entry = None if cache is None else cache.layers[i]
        x = _layer(ctx, i, x, positions, attn_mask, gdn_mask, entry, p0)
    return ctx.norm(x, "model.norm.weight")


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------

def forward(config, weights, input_ids, attention_mask=None, positions=None, lora=None,
            return_hidden=False):
    """Full forward pass (arch §2.1): logits [B, T, V] (float64).

    attention_mask [B, T] (0/1, left padding) masks keys in attention and zeroes the hidden
    states entering Gated-DeltaNet layers (arch §2.7 step 1; applied whenever a mask is given).
    positions [B, T] default to default_positions(attention_mask). Outputs at padding
    positions are not meaningful. With return_hidden, returns (logits, hidden) where hidden is
    the final-normed state fed to the LM head (also what mtp_forward takes)."""
    h = hidden_states(config, weights, input_ids, attention_mask, positions, lora)
    logits = ops.lm_head(h, lm_head_weight(config, weights))
    return (logits, h) if return_hidden else logits


def hidden_states(config, weights, input_ids, attention_mask=None, positions=None, lora=None):
    """forward without the LM head: the final-normed hidden states [B, T, H] (float64)."""
    ctx = _Ctx(config, weights, lora)
    ids = _check_inputs(ctx.c, input_ids, attention_mask, positions)
    B, T = ids.shape
    pos = default_positions(attention_mask, B, T) if positions is None else np.asarray(positions)
    return _run(ctx, ids, pos, attention_mask, attention_mask, None)


def _new_cache(ctx, B, max_len):
    c = ctx.c
    layers = []
    for t in c["layer_types"]:
        if t == "full_attention":
            shape = (B, c["nkv"], max_len, c["hd"])
            layers.append({"k": np.zeros(shape), "v": np.zeros(shape)})
        else:
            conv_dim = 2 * c["Hk"] * c["dk"] + c["Hv"] * c["dv"]
            layers.append({"conv_state": np.zeros((B, conv_dim, c["conv_k"])),
                           "recurrent_state": np.zeros((B, c["Hv"], c["dk"], c["dv"]))})
    return layers


def _step(ctx, cache, ids, new_mask, positions):
    """Append ids [B, S] to the cache and run them; returns logits [B, S, V]."""
    B, S = ids.shape
    cache.mask = np.concatenate([cache.mask, new_mask], axis=1)
    need = cache.length
    for entry in cache.layers:
        if "k" in entry and entry["k"].shape[2] < need:        # grow the KV cache
            grow = [(0, 0), (0, 0), (0, need - entry["k"].shape[2]), (0, 0)]
            entry["k"], entry["v"] = np.pad(entry["k"], grow), np.pad(entry["v"], grow)
    h = _run(ctx, ids, positions, cache.mask, new_mask, cache)
    cache.next_position = positions[:, -1] + 1
    return ops.lm_head(h, ctx.head())


def prefill(config, weights, input_ids, attention_mask=None, positions=None, lora=None,
            max_len=None):
    """Prefill: the same logits as forward, plus a DecodeCache (arch §2.10) sized for max_len
    tokens (default T; decode grows it as needed). Gated-DeltaNet layers start from zero
    states and use the chunked form. Returns (logits [B, T, V], cache)."""
    ctx = _Ctx(config, weights, lora)
    ids = _check_inputs(ctx.c, input_ids, attention_mask, positions)
    B, T = ids.shape
    mask = np.ones((B, T), np.int64) if attention_mask is None else np.asarray(attention_mask)
    pos = default_positions(mask, B, T) if positions is None else np.asarray(positions)
    cache = DecodeCache(_new_cache(ctx, B, max(max_len or T, T)), np.zeros((B, 0), np.int64),
                        None)
    return _step(ctx, cache, ids, mask.astype(np.int64), pos), cache


def decode(config, weights, cache, input_ids, positions=None, lora=None):
    """Run S >= 1 new tokens input_ids [B, S] against `cache` (updated in place; also returned).
    New tokens are real (mask 1). positions default to cache.next_position + arange(S), which
    continues default_positions of the prefill. A single token uses the Gated-DeltaNet
    recurrent form; several use the chunked form from the carried state.
    Returns (logits [B, S, V], cache)."""
    ctx = _Ctx(config, weights, lora)
    ids = np.asarray(input_ids, dtype=np.int64)
    if ids.ndim != 2 or ids.shape[0] != cache.mask.shape[0]:
        raise ValueError(f"decode: input_ids must be [{cache.mask.shape[0]}, S], found "
                         f"{list(ids.shape)}")
    B, S = ids.shape
    pos = (cache.next_position[:, None] + np.arange(S)[None, :] if positions is None
           else np.asarray(positions))
    return _step(ctx, cache, ids, np.ones((B, S), np.int64), pos), cache


def mtp_forward(config, weights, hidden, next_input_ids, attention_mask=None, positions=None):
    """Qwen3-Next multi-token prediction layer (arch §2.9, vLLM's structure; not run by HF).

    hidden [B, T, H]: the main model's final-normed hidden states h_t (forward(...,
    return_hidden=True)); next_input_ids [B, T]: token t+1 for each t. Then
        e = ZCRMSNorm(embed(tok_{t+1}), mtp.pre_fc_norm_embedding)
        h = ZCRMSNorm(h_t, mtp.pre_fc_norm_hidden)
        x = cat(e, h) mtp.fc^T            (embedding first; fc [H, 2H])
        x = Qwen3-Next full-attention decoder layer `mtp.layers.0.*` (gated attention + MoE)
        logits = lm_head(ZCRMSNorm(x, mtp.norm))   -> predicts token t+2
    positions default to default_positions(attention_mask), i.e. those of h_t (vLLM passes the
    target positions; arch §2.9/§5 flag the draft positions as unverified). The MTP layer runs
    without a cache here (its own KV over the T positions)."""
    ctx = _Ctx(config, weights)
    c = ctx.c
    if c["family"] != "next":
        raise ValueError("mtp_forward: only qwen3_next has an MTP layer")
    ids = _check_inputs(c, next_input_ids, attention_mask, positions)
    B, T = ids.shape
    pos = default_positions(attention_mask, B, T) if positions is None else np.asarray(positions)
    e = ctx.norm(ops.embedding(ids, ctx.w("model.embed_tokens.weight")),
                 "mtp.pre_fc_norm_embedding.weight")
    h = ctx.norm(hidden, "mtp.pre_fc_norm_hidden.weight")
    x = ctx.lin(np.concatenate([e, h], axis=-1), "mtp.fc")
    x = qwen3_next_decoder_layer(ctx, "mtp.layers.0.", x, pos, attention_mask, moe=c["E"] > 0,
                                 layer_type="full_attention")
    return ops.lm_head(ctx.norm(x, "mtp.norm.weight"), lm_head_weight(config, weights))
