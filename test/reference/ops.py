"""Zen's numpy reference for the Qwen3-family building blocks.

Written from the math in shared/reference/qwen3-architectures.md (cited as "arch §x.y"), never
from Zen's lowering. Every function takes numpy arrays of any float dtype, computes in float64
and returns float64 (indices stay int64). Layouts follow HF before its head transposes:

    hidden  [B, T, H]            q [B, T, nh, hd]      k, v [B, S, nkv, hd]
    KV cache [B, nkv, Smax, hd]  (HF's [batch, heads, seq, dim])
    Gated DeltaNet: q, k [B, T, Hk, dk]; v [B, T, Hv, dv]; g, beta [B, T, Hv];
    recurrent state [B, Hv, dk, dv]; conv input [B, T, C]; conv state [B, C, K].

Linear weights are HF's [out, in]; y = x W^T.
"""

import numpy as np

F64 = np.float64


def _f64(x):
    return np.asarray(x, dtype=F64)


def silu(x):
    """x * sigmoid(x) (torch.nn.functional.silu)."""
    x = _f64(x)
    return x * sigmoid(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), written to avoid overflow for large |x|."""
    x = _f64(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x, threshold=20.0):
    """torch.nn.functional.softplus with beta 1: x above `threshold`, else log(1 + exp(x))
    (arch §2.7 step 5)."""
    x = _f64(x)
    return np.where(x > threshold, x, np.log1p(np.exp(np.minimum(x, threshold))))


def softmax(x, axis=-1):
    """Numerically stable softmax."""
    x = _f64(x)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Norms, linear, embedding (arch §2.1, §2.2)
# ---------------------------------------------------------------------------------------------

def rms_norm(x, weight, eps=1e-6, zero_centered=False):
    """RMSNorm over the last dim (arch §2.2).

    y = x * rsqrt(mean(x^2, -1) + eps)  (eps inside the rsqrt, added to the mean)
    out = w * y                  Qwen3RMSNorm (Qwen3, Qwen3-MoE, Omni text)
    out = (1 + w) * y            Qwen3NextRMSNorm, zero_centered=True (stored weight is an offset)
    """
    x = _f64(x)
    w = _f64(weight)
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return y * (1.0 + w) if zero_centered else y * w


def gated_rms_norm(x, z, weight, eps=1e-6):
    """Qwen3NextRMSNormGated, `linear_attn.norm` (arch §2.2, §2.7 step 10).

    out = (w * rmsnorm(x)) * silu(z), a plain weight (not 1 + w); the norm comes first, then the
    gate. x, z: [..., D], weight: [D].
    """
    return rms_norm(x, weight, eps) * silu(z)


def l2_norm(x, eps=1e-6):
    """In-kernel L2 norm of Gated DeltaNet (arch §2.7 step 7): x * rsqrt(sum(x^2, -1) + eps),
    eps inside the sqrt (not F.normalize's max(||x||, eps))."""
    x = _f64(x)
    return x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True) + eps)


def linear(x, weight, bias=None, lora_a=None, lora_b=None, lora_scale=1.0):
    """nn.Linear with HF [out, in] weights, plus an optional PEFT LoRA adapter
    (arch header; gspo-training.md §6):

    y = x W^T (+ b) + lora_scale * (x A^T) B^T,   A [r, in], B [out, r]

    lora_scale is alpha / r (alpha / sqrt(r) with rslora). LoRA dropout is not modelled (it is
    the identity at inference and with lora_dropout = 0).
    """
    x = _f64(x)
    y = x @ _f64(weight).T
    if bias is not None:
        y = y + _f64(bias)
    if (lora_a is None) != (lora_b is None):
        raise ValueError("linear: lora_a and lora_b must be given together")
    if lora_a is not None:
        y = y + lora_scale * ((x @ _f64(lora_a).T) @ _f64(lora_b).T)
    return y


def embedding(input_ids, table):
    """nn.Embedding lookup, no scaling (arch §2.1): out[b, t] = table[ids[b, t]]."""
    ids = np.asarray(input_ids, dtype=np.int64)
    table = _f64(table)
    if ids.size and (ids.min() < 0 or ids.max() >= table.shape[0]):
        raise ValueError(f"embedding: token id out of range [0, {table.shape[0]}): "
                         f"found {ids.min()}..{ids.max()}")
    return table[ids]


def lm_head(x, weight):
    """Vocabulary projection (arch §2.1): logits = x W^T, W [V, H] (embed_tokens when tied)."""
    return _f64(x) @ _f64(weight).T


def mask_padding(x, mask):
    """Zero the hidden states of padding positions (arch §2.7 step 1): x * mask[..., None],
    x [B, T, H], mask [B, T] of 0/1."""
    return _f64(x) * _f64(mask)[..., None]


# ---------------------------------------------------------------------------------------------
# RoPE (arch §2.4)
# ---------------------------------------------------------------------------------------------

def rope_inv_freq(rotary_dim, theta):
    """inv_freq[j] = 1 / theta^(2j/d), j < d/2, by HF's fp32 recipe (arch §2.4): arange(0, d, 2)
    as int64, cast to float32, divided by d in float32, theta ** that in float32, 1 / that in
    float32. Returned as float64 holding those float32 values.

    The float32 power is taken as the float64 power of the two float32 operands, rounded once
    to float32: the correctly rounded powf, which glibc's powf returns. numpy's own float32
    power is not that on every host (on AVX-512 ones it uses SIMD routines that are off by an
    ulp for about one exponent in six), and a position of 4000 turns one ulp of inv_freq into
    an angle error of ~2e-4 rad."""
    d = int(rotary_dim)
    if d <= 0 or d % 2:
        raise ValueError(f"rope: rotary_dim must be even and positive, found {d}")
    expo = np.arange(0, d, 2, dtype=np.int64).astype(np.float32) / np.float32(d)
    power = (F64(np.float32(theta)) ** expo.astype(F64)).astype(np.float32)
    inv = np.float32(1.0) / power
    return inv.astype(np.float32).astype(F64)


def rope_cos_sin(positions, rotary_dim, theta, fp32_angles=False):
    """cos, sin of emb = cat(freqs, freqs), freqs[b, t, j] = pos[b, t] * inv_freq[j]
    (arch §2.4). Shapes [B, T, d].

    HF forms the angle in float32 and takes cos/sin in float32. Here the angle is formed in
    float64 from the float32 inv_freq values (more accurate); fp32_angles=True first rounds the
    angle to float32 as HF does (it matters only for long positions)."""
    pos = _f64(np.asarray(positions))
    freqs = pos[..., None] * rope_inv_freq(rotary_dim, theta)
    if fp32_angles:
        freqs = freqs.astype(np.float32).astype(F64)
    emb = np.concatenate([freqs, freqs], axis=-1)
    return np.cos(emb), np.sin(emb)


def rotate_half(x):
    """NeoX rotate_half (arch §2.4): cat(-x[d/2:], x[:d/2]); lane i pairs with lane i + d/2."""
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def rope(x, positions, theta, rotary_dim=None, fp32_angles=False):
    """Rotary embedding on x [B, T, heads, hd] at positions [B, T] (arch §2.4).

    x' = x*cos + rotate_half(x)*sin on the first rotary_dim lanes of each head; the remaining
    hd - rotary_dim lanes pass through (Qwen3-Next partial RoPE). rotary_dim defaults to hd."""
    x = _f64(x)
    hd = x.shape[-1]
    d = hd if rotary_dim is None else int(rotary_dim)
    if d > hd:
        raise ValueError(f"rope: rotary_dim {d} exceeds head_dim {hd}")
    positions = np.asarray(positions)
    if positions.shape != x.shape[:2]:
        raise ValueError(f"rope: positions must be [B, T] = {list(x.shape[:2])}, "
                         f"found {list(positions.shape)}")
    cos, sin = rope_cos_sin(positions, d, theta, fp32_angles)
    cos, sin = cos[:, :, None, :], sin[:, :, None, :]
    xr, xp = x[..., :d], x[..., d:]
    return np.concatenate([xr * cos + rotate_half(xr) * sin, xp], axis=-1)


# ---------------------------------------------------------------------------------------------
# Softmax attention (arch §2.3, §2.6, §2.10)
# ---------------------------------------------------------------------------------------------

def attention(q, k, v, mask=None, gate=None, k_cache=None, v_cache=None, cache_position=None,
              causal=True, scale=None):
    """Grouped-query scaled-dot-product attention (arch §2.3; gate: §2.6; cache: §2.10).

    q [B, T, nh, hd]; k, v [B, S, nkv, hd]; n_rep = nh / nkv; query head j reads KV head
    j // n_rep (HF repeat_kv). scale defaults to hd^-0.5.

        s[b,j,t,u] = scale * q[b,t,j] . k[b,u,j//n_rep]
        s = -inf where mask[b,u] == 0, or (causal) where pos(u) > pos(t)
        o = softmax_u(s) v ;  out = o * sigmoid(gate) when gate [B,T,nh,hd] (or [B,T,nh*hd])

    A query row with no key left (a left-padding query) gives 0 (HF's eager path averages V
    there instead; those rows are never read).

    Without a cache: query t is at position t, key u at u; mask [B, S] (1 = attend).
    With k_cache, v_cache [B, nkv, Smax, hd] and cache_position p0: the new k, v are written at
    cache slots p0 .. p0+S-1, attention runs over slots [0, p0+S) of the updated cache, query t
    is at position p0 + t, slot u at u; mask is [B, >= p0+S] over cache slots.
    Returns out [B, T, nh, hd], or (out, new_k_cache, new_v_cache) with a cache.
    """
    q, k, v = _f64(q), _f64(k), _f64(v)
    B, T, nh, hd = q.shape
    S, nkv = k.shape[1], k.shape[2]
    if nh % nkv:
        raise ValueError(f"attention: num heads {nh} not a multiple of KV heads {nkv}")
    n_rep = nh // nkv
    scale = hd ** -0.5 if scale is None else scale
    with_cache = k_cache is not None
    if with_cache:
        if v_cache is None or cache_position is None:
            raise ValueError("attention: k_cache, v_cache and cache_position come together")
        p0 = int(cache_position)
        new_k, new_v = _f64(k_cache).copy(), _f64(v_cache).copy()
        if p0 + S > new_k.shape[2]:
            raise ValueError(f"attention: cache of {new_k.shape[2]} slots cannot hold "
                             f"positions {p0}..{p0 + S - 1}")
        new_k[:, :, p0:p0 + S] = k.transpose(0, 2, 1, 3)
        new_v[:, :, p0:p0 + S] = v.transpose(0, 2, 1, 3)
        keys = new_k[:, :, :p0 + S].transpose(0, 2, 1, 3)     # [B, Skv, nkv, hd]
        vals = new_v[:, :, :p0 + S].transpose(0, 2, 1, 3)
    else:
        p0 = 0
        keys, vals = k, v
    skv = keys.shape[1]
    # repeat_kv: query head j uses KV head j // n_rep.
    kv_head = np.arange(nh) // n_rep
    kr = keys[:, :, kv_head, :]                                 # [B, Skv, nh, hd]
    vr = vals[:, :, kv_head, :]
    s = np.einsum("btjd,bujd->bjtu", q, kr) * scale             # [B, nh, T, Skv]
    allowed = np.ones((B, 1, T, skv), dtype=bool)
    if causal:
        qpos = p0 + np.arange(T)
        allowed &= (np.arange(skv)[None, :] <= qpos[:, None])[None, None]
    if mask is not None:
        m = np.asarray(mask)
        if m.shape[0] != B or m.shape[1] < skv:
            raise ValueError(f"attention: mask must be [B, >= {skv}], found {list(m.shape)}")
        allowed &= (m[:, :skv] != 0)[:, None, None, :]
    s = np.where(allowed, s, -np.inf)
    row_max = np.max(s, axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    p = np.where(allowed, np.exp(s - row_max), 0.0)
    denom = np.sum(p, axis=-1, keepdims=True)
    p = p / np.where(denom > 0, denom, 1.0)                     # empty rows stay 0
    o = np.einsum("bjtu,bujd->btjd", p, vr)                     # [B, T, nh, hd]
    if gate is not None:
        o = o * sigmoid(_f64(gate).reshape(o.shape))
    if with_cache:
        return o, new_k, new_v
    return o


# ---------------------------------------------------------------------------------------------
# FFN: SwiGLU MLP and MoE (arch §2.5)
# ---------------------------------------------------------------------------------------------

def swiglu(gate, up):
    """silu(gate) * up, elementwise."""
    return silu(gate) * _f64(up)


def mlp(x, gate_w, up_w, down_w):
    """SwiGLU MLP (arch §2.5): down(silu(x Wg^T) * (x Wu^T)), no biases."""
    return linear(swiglu(linear(x, gate_w), linear(x, up_w)), down_w)


def moe_router(x, router_w, top_k, norm_topk_prob):
    """Softmax router (arch §2.5): p = softmax(x Wr^T) over ALL experts, then top-k on the
    probabilities (slots by descending probability, ties to the lower expert index), then
    w / sum(w) when norm_topk_prob. x [..., H], router_w [E, H].
    Returns (weights [..., k] float64, indices [..., k] int64)."""
    p = softmax(linear(x, router_w), axis=-1)
    E = p.shape[-1]
    if not 0 < top_k <= E:
        raise ValueError(f"moe_router: top_k must be in (0, {E}], found {top_k}")
    # A stable sort of -p keeps equal probabilities in ascending expert order.
    idx = np.argsort(-p, axis=-1, kind="stable")[..., :top_k]
    w = np.take_along_axis(p, idx, axis=-1)
    if norm_topk_prob:
        w = w / np.sum(w, axis=-1, keepdims=True)
    return w, idx.astype(np.int64)


def moe(x, router_w, gate_w, up_w, down_w, top_k, norm_topk_prob, shared_gate_w=None,
        shared_up_w=None, shared_down_w=None, shared_expert_gate_w=None):
    """Sparse MoE block (arch §2.5). x [..., H]; router_w [E, H]; stacked expert weights
    gate_w, up_w [E, I, H], down_w [E, H, I] (HF per-expert keys stacked over e).

        w, idx = moe_router(x)
        y = 0; for e ascending: for each (token, slot) routed to e: y[tok] += w * SwiGLU_e(x[tok])
        out = y (+ sigmoid(x Wsg^T) * SwiGLU_shared(x), Qwen3-Next, Wsg [1, H])
    """
    x = _f64(x)
    lead, H = x.shape[:-1], x.shape[-1]
    xf = x.reshape(-1, H)
    w, idx = moe_router(xf, router_w, top_k, norm_topk_prob)
    y = np.zeros_like(xf)
    gate_w, up_w, down_w = _f64(gate_w), _f64(up_w), _f64(down_w)
    for e in range(gate_w.shape[0]):
        tok, slot = np.nonzero(idx == e)
        if tok.size == 0:
            continue
        contrib = mlp(xf[tok], gate_w[e], up_w[e], down_w[e]) * w[tok, slot][:, None]
        np.add.at(y, tok, contrib)     # one slot per (token, expert): plain index_add
    shared = [shared_gate_w, shared_up_w, shared_down_w, shared_expert_gate_w]
    if any(s is not None for s in shared):
        if any(s is None for s in shared):
            raise ValueError("moe: the four shared-expert weights come together")
        y = y + sigmoid(linear(xf, shared_expert_gate_w)) * mlp(xf, shared_gate_w, shared_up_w,
                                                                shared_down_w)
    return y.reshape(*lead, H)


# ---------------------------------------------------------------------------------------------
# Gated DeltaNet pieces (arch §2.7)
# ---------------------------------------------------------------------------------------------

def causal_conv1d(x, weight, state=None, activation="silu"):
    """Depthwise causal conv over time (arch §2.7 step 4, §2.10).

    x [B, T, C]; weight [C, 1, K]; state [B, C, K] = the last K pre-conv columns of earlier
    tokens (zeros when absent). With xpad = state || x along time (x's column t at index t,
    state's column m at index m - K):
        y[b, t, c] = sum_{i<K} weight[c, 0, i] * xpad[c, t - K + 1 + i];  out = silu(y)
    new_state = the last K columns of state || x (left zero-padded when there is no state and
    T < K). Returns (out [B, T, C], new_state [B, C, K]).
    """
    x = _f64(x)
    B, T, C = x.shape
    w = _f64(weight)
    if w.ndim != 3 or w.shape[0] != C or w.shape[1] != 1:
        raise ValueError(f"causal_conv1d: weight must be [{C}, 1, K], found {list(w.shape)}")
    K = w.shape[2]
    prev = np.zeros((B, C, K)) if state is None else _f64(state)
    if prev.shape != (B, C, K):
        raise ValueError(f"causal_conv1d: state must be {[B, C, K]}, found {list(prev.shape)}")
    xpad = np.concatenate([prev, x.transpose(0, 2, 1)], axis=2)    # [B, C, K + T]
    y = np.zeros((B, C, T))
    for i in range(K):
        # xpad index of time t - K + 1 + i is (t - K + 1 + i) + K = t + 1 + i.
        y += w[None, :, 0, i, None] * xpad[:, :, 1 + i:1 + i + T]
    if activation == "silu":
        y = silu(y)
    elif activation not in (None, "none"):
        raise ValueError(f"causal_conv1d: unknown activation {activation!r}")
    return y.transpose(0, 2, 1), xpad[:, :, -K:].copy()


def gdn_gates(a, b, A_log, dt_bias):
    """Gated DeltaNet gates (arch §2.7 step 5): g = -exp(A_log) * softplus(a + dt_bias)
    (a log-decay, <= 0; torch softplus, threshold 20) and beta = sigmoid(b).
    a, b [B, T, Hv]; A_log, dt_bias [Hv]. Returns (g, beta)."""
    g = -np.exp(_f64(A_log)) * softplus(_f64(a) + _f64(dt_bias))
    return g, sigmoid(b)


def _delta_rule_inputs(q, k, v, g, beta, initial_state, use_qk_l2norm, scale):
    """Shared preprocessing (arch §2.7 steps 6-7): l2-normalise q, k (eps 1e-6), scale q by
    dk^-0.5, map value head h to key head h // (Hv / Hk), move heads before time.
    Returns q, k [B, Hv, T, dk], v [B, Hv, T, dv], g, beta [B, Hv, T], S [B, Hv, dk, dv]."""
    q, k, v, g, beta = _f64(q), _f64(k), _f64(v), _f64(g), _f64(beta)
    B, T, Hk, dk = q.shape
    Hv, dv = v.shape[2], v.shape[3]
    if Hv % Hk:
        raise ValueError(f"gated_delta_rule: value heads {Hv} not a multiple of key heads {Hk}")
    if use_qk_l2norm:
        q, k = l2_norm(q), l2_norm(k)
    q = q * (dk ** -0.5 if scale is None else scale)
    key_head = np.arange(Hv) // (Hv // Hk)          # repeat_interleave, not tiling
    q = q[:, :, key_head].transpose(0, 2, 1, 3)
    k = k[:, :, key_head].transpose(0, 2, 1, 3)
    v = v.transpose(0, 2, 1, 3)
    g, beta = g.transpose(0, 2, 1), beta.transpose(0, 2, 1)
    S = np.zeros((B, Hv, dk, dv)) if initial_state is None else _f64(initial_state).copy()
    if S.shape != (B, Hv, dk, dv):
        raise ValueError(f"gated_delta_rule: initial_state must be {[B, Hv, dk, dv]}, "
                         f"found {list(S.shape)}")
    return q, k, v, g, beta, S


def gated_delta_rule_recurrent(q, k, v, g, beta, initial_state=None, use_qk_l2norm=True,
                               scale=None):
    """Gated delta rule, recurrent form (arch §2.7 item 8), per (b, value head), S in R^{dk x dv}:

        S <- e^{g_t} S;  u = S^T k_t;  delta = beta_t (v_t - u);  S <- S + k_t delta^T;
        o_t = S^T q_t

    q, k [B, T, Hk, dk]; v [B, T, Hv, dv]; g, beta [B, T, Hv]; initial_state [B, Hv, dk, dv]
    (zeros when absent). Returns (out [B, T, Hv, dv], final_state [B, Hv, dk, dv])."""
    q, k, v, g, beta, S = _delta_rule_inputs(q, k, v, g, beta, initial_state, use_qk_l2norm,
                                             scale)
    T = q.shape[2]
    out = np.zeros(v.shape)
    for t in range(T):
        S = np.exp(g[:, :, t])[..., None, None] * S
        u = np.einsum("bhkv,bhk->bhv", S, k[:, :, t])
        delta = beta[:, :, t][..., None] * (v[:, :, t] - u)
        S = S + k[:, :, t][..., :, None] * delta[..., None, :]
        out[:, :, t] = np.einsum("bhkv,bhk->bhv", S, q[:, :, t])
    return out.transpose(0, 2, 1, 3), S


def _unit_lower_inverse(L):
    """(I + L)^{-1} for strictly lower-triangular L [..., C, C], by row-wise forward
    substitution (arch §2.7 item 9): row r of Tm = e_r - sum_{s<r} L[r, s] Tm[s]."""
    C = L.shape[-1]
    Tm = np.zeros(L.shape)
    for r in range(C):
        Tm[..., r, r] = 1.0
        if r:
            Tm[..., r, :] -= np.einsum("...s,...sc->...c", L[..., r, :r], Tm[..., :r, :])
    return Tm


def gated_delta_rule_chunked(q, k, v, g, beta, initial_state=None, chunk_size=64,
                             use_qk_l2norm=True, scale=None):
    """Gated delta rule, chunked form (arch §2.7 item 9); same inputs and results as
    gated_delta_rule_recurrent. T is zero-padded to a multiple of C = chunk_size (padded rows
    have q = k = v = beta = 0 and g = 0, so they change nothing). Within a chunk, r, s < C:

        gamma_r = sum_{s<=r} g_s;  D_rs = exp(gamma_r - gamma_s) for s <= r, else 0
        L_rs = beta_r (k_r . k_s) D_rs for s < r;  Tm = (I + L)^{-1}
        U = Tm (beta * V);  W = Tm (beta * e^gamma * K)
        V' = U - W S;  P_rs = (q_r . k_s) D_rs for s <= r
        O = (e^gamma * Q) S + P V';  S <- e^{gamma_{C-1}} S + (e^{gamma_{C-1} - gamma} * K)^T V'
    """
    q, k, v, g, beta, S = _delta_rule_inputs(q, k, v, g, beta, initial_state, use_qk_l2norm,
                                             scale)
    B, Hv, T, dk = q.shape
    C = int(chunk_size)
    if C <= 0:
        raise ValueError(f"gated_delta_rule: chunk_size must be positive, found {C}")
    pad = (-T) % C
    if pad:
        def zpad(a):
            width = [(0, 0)] * a.ndim
            width[2] = (0, pad)
            return np.pad(a, width)
        q, k, v, g, beta = zpad(q), zpad(k), zpad(v), zpad(g), zpad(beta)
    out = np.zeros(v.shape)
    r_idx = np.arange(C)
    lower_incl = r_idx[None, :] <= r_idx[:, None]             # [r, s]: s <= r
    lower_strict = r_idx[None, :] < r_idx[:, None]
    for c0 in range(0, T + pad, C):
        sl = slice(c0, c0 + C)
        Qc, Kc, Vc, gc, bc = q[:, :, sl], k[:, :, sl], v[:, :, sl], g[:, :, sl], beta[:, :, sl]
        gam = np.cumsum(gc, axis=-1)                          # [B, Hv, C]
        diff = gam[..., :, None] - gam[..., None, :]           # gamma_r - gamma_s
        D = np.where(lower_incl, np.exp(np.where(lower_incl, diff, 0.0)), 0.0)
        L = np.where(lower_strict, bc[..., :, None] * (Kc @ Kc.swapaxes(-1, -2)) * D, 0.0)
        Tm = _unit_lower_inverse(L)
        U = Tm @ (bc[..., None] * Vc)
        W = Tm @ ((bc * np.exp(gam))[..., None] * Kc)
        Vp = U - W @ S
        P = (Qc @ Kc.swapaxes(-1, -2)) * D
        out[:, :, sl] = (np.exp(gam)[..., None] * Qc) @ S + P @ Vp
        last = gam[..., -1]
        S = (np.exp(last)[..., None, None] * S
             + (np.exp(last[..., None] - gam)[..., None] * Kc).swapaxes(-1, -2) @ Vp)
    return out[:, :, :T].transpose(0, 2, 1, 3), S


def gated_delta_rule(q, k, v, g, beta, initial_state=None, mode="chunked", chunk_size=64,
                     use_qk_l2norm=True, scale=None):
    """Dispatch to the chunked or recurrent form (both compute the same function)."""
    if mode == "chunked":
        return gated_delta_rule_chunked(q, k, v, g, beta, initial_state, chunk_size,
                                        use_qk_l2norm, scale)
    if mode == "recurrent":
        return gated_delta_rule_recurrent(q, k, v, g, beta, initial_state, use_qk_l2norm, scale)
    raise ValueError(f"gated_delta_rule: mode must be 'chunked' or 'recurrent', found {mode!r}")
