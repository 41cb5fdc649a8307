"""Zen's numpy reference for the GSPO / GRPO training math, from
shared/reference/gspo-training.md ("train §x"). Float64 throughout.

Shapes: logp, old_logp, ref_logp, mask [N, T] (mask = completion_mask, 1 on completion tokens
that count); advantages [N] (one per sequence; GSPO-token also accepts [N, T]); rewards [N]
with the G completions of a prompt contiguous.

Every loss returns LossResult(loss, mean_ratio, clip_fraction, grad) with grad = d loss /
d logp [N, T]; old_logp and ref_logp carry no gradient.
"""

from collections import namedtuple

import numpy as np

F64 = np.float64

LossResult = namedtuple("LossResult", "loss mean_ratio clip_fraction grad")


def _f64(x):
    return np.asarray(x, dtype=F64)


# ---------------------------------------------------------------------------------------------
# Token log-probabilities (train §2)
# ---------------------------------------------------------------------------------------------

def log_softmax(logits, temperature=1.0):
    """log_softmax(z / tau) over the last dim."""
    z = _f64(logits) / temperature
    m = np.max(z, axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def token_logprobs(logits, targets, temperature=1.0):
    """Naive selective log-prob (train §2): logp = log_softmax(z / tau)[y], by materialising the
    full log-softmax. logits [..., V], targets [...] -> [...]."""
    y = np.asarray(targets, dtype=np.int64)
    return np.take_along_axis(log_softmax(logits, temperature), y[..., None], axis=-1)[..., 0]


def token_logprobs_grad(logits, targets, temperature=1.0):
    """d logp / d z = (onehot(y) - softmax(z / tau)) / tau (train §2). Returns [..., V]."""
    y = np.asarray(targets, dtype=np.int64)
    p = np.exp(log_softmax(logits, temperature))
    onehot = np.zeros_like(p)
    np.put_along_axis(onehot, y[..., None], 1.0, axis=-1)
    return (onehot - p) / temperature


def _tiles(V, tile):
    for v0 in range(0, V, tile):
        yield v0, min(v0 + tile, V)


def token_logprobs_tiled(hidden, lm_head_w, targets, temperature=1.0, tile=4096,
                         return_stats=False):
    """Fused selective log-prob streamed over vocabulary tiles (train §2): z = h W^T is built
    one tile of W [V, H] at a time with an online max / sum of exp (flash-softmax), keeping only
    z[y], the running max m and sum s per token:

        m' = max(m, max(z_tile / tau));  s = s e^{m - m'} + sum e^{z_tile / tau - m'}
        logp = z[y] / tau - (m + log s)

    hidden [..., H]; targets [...] (same position; the causal shift is the caller's job).
    Returns logp [...], or (logp, m, s) with return_stats (the backward's saved values)."""
    h = _f64(hidden)
    W = _f64(lm_head_w)
    y = np.asarray(targets, dtype=np.int64)
    lead, H = h.shape[:-1], h.shape[-1]
    if y.shape != lead:
        raise ValueError(f"targets must be {list(lead)}, found {list(y.shape)}")
    V = W.shape[0]
    if y.size and (y.min() < 0 or y.max() >= V):
        raise ValueError(f"target id out of range [0, {V})")
    hf, yf = h.reshape(-1, H), y.reshape(-1)
    m = np.full(hf.shape[0], -np.inf)
    s = np.zeros(hf.shape[0])
    zy = np.zeros(hf.shape[0])
    for v0, v1 in _tiles(V, tile):
        zt = (hf @ W[v0:v1].T) / temperature
        m_new = np.maximum(m, np.max(zt, axis=1))
        s = s * np.exp(m - m_new) + np.sum(np.exp(zt - m_new[:, None]), axis=1)
        m = m_new
        hit = (yf >= v0) & (yf < v1)
        zy[hit] = zt[hit, yf[hit] - v0]
    logp = (zy - (m + np.log(s))).reshape(lead)
    if return_stats:
        return logp, m.reshape(lead), s.reshape(lead)
    return logp


def token_logprobs_tiled_backward(hidden, lm_head_w, targets, grad_logp, temperature=1.0,
                                  tile=4096):
    """Backward of token_logprobs_tiled (train §2), recomputing each tile from the saved
    (m, s): dz_tile = g * (onehot(y) - e^{z_tile/tau - m} / s) / tau;
    d hidden = sum_tiles dz_tile W_tile; d W_tile = dz_tile^T h.
    Returns (d_hidden [..., H], d_lm_head_w [V, H])."""
    h = _f64(hidden)
    W = _f64(lm_head_w)
    y = np.asarray(targets, dtype=np.int64)
    _, m, s = token_logprobs_tiled(h, W, y, temperature, tile, return_stats=True)
    H = h.shape[-1]
    hf, yf = h.reshape(-1, H), y.reshape(-1)
    g, m, s = _f64(grad_logp).reshape(-1), m.reshape(-1), s.reshape(-1)
    dh = np.zeros_like(hf)
    dW = np.zeros_like(W)
    rows = np.arange(hf.shape[0])
    for v0, v1 in _tiles(W.shape[0], tile):
        zt = (hf @ W[v0:v1].T) / temperature
        dz = -np.exp(zt - m[:, None]) / s[:, None]
        hit = (yf >= v0) & (yf < v1)
        dz[rows[hit], yf[hit] - v0] += 1.0
        dz *= (g / temperature)[:, None]
        dh += dz @ W[v0:v1]
        dW[v0:v1] = dz.T @ hf
    return dh.reshape(h.shape), dW


def completion_logprobs(config, weights, input_ids, attention_mask=None, positions=None,
                        temperature=1.0, lora=None, tile=4096):
    """Per-token log-probs of a batch under a model (train §1-§2): logp[:, t] scores token t
    from the logits at t-1 (causal shift); logp[:, 0] = 0 (never scored). Returns [N, T]."""
    import models
    h = models.hidden_states(config, weights, input_ids, attention_mask, positions, lora)
    ids = np.asarray(input_ids, dtype=np.int64)
    logp = np.zeros(ids.shape)
    logp[:, 1:] = token_logprobs_tiled(h[:, :-1], models.lm_head_weight(config, weights),
                                       ids[:, 1:], temperature, tile)
    return logp


# ---------------------------------------------------------------------------------------------
# Advantages (train §3)
# ---------------------------------------------------------------------------------------------

def group_advantages(rewards, group_size, scaling="group", eps=1e-4):
    """Group-relative advantages (train §3): A_i = (r_i - mean_g) / (std + eps), mean over i's
    group of G = group_size; std unbiased (ddof 1) over the group ("group"), over all N rewards
    ("batch"), or no division ("none"). A group whose rewards are all equal gets exactly 0
    (also with eps 0 and for G = 1, whose unbiased std is undefined)."""
    r = _f64(rewards).reshape(-1)
    N, G = r.size, int(group_size)
    if G <= 0 or N % G:
        raise ValueError(f"group_advantages: N = {N} is not a multiple of group_size {G}")
    rg = r.reshape(-1, G)
    dev = rg - rg.mean(axis=1, keepdims=True)
    constant = (rg.max(axis=1) == rg.min(axis=1))[:, None]
    if scaling == "none":
        A = dev
    elif scaling == "group":
        std = rg.std(axis=1, ddof=1, keepdims=True) if G > 1 else np.zeros((N // G, 1))
        A = dev / np.where(constant, 1.0, std + eps)
    elif scaling == "batch":
        std = r.std(ddof=1) if N > 1 else 0.0
        A = dev / np.where(constant, 1.0, std + eps)
    else:
        raise ValueError(f"group_advantages: scaling must be group, batch or none; "
                         f"found {scaling!r}")
    return np.where(constant, 0.0, A).reshape(N)


# ---------------------------------------------------------------------------------------------
# GSPO (train §4)
# ---------------------------------------------------------------------------------------------

def _clipped(ratio, adv, eps_low, eps_high):
    """Where the clipped branch is the minimum (zero gradient): ratio < 1 - eps_low with A < 0,
    or ratio > 1 + eps_high with A > 0. Also the clip-fraction indicator (train §4)."""
    return ((ratio < 1 - eps_low) & (adv < 0)) | ((ratio > 1 + eps_high) & (adv > 0))


def _surrogate(ratio, adv, eps_low, eps_high):
    """-min(ratio A, clip(ratio, 1 - eps_low, 1 + eps_high) A)."""
    return -np.minimum(ratio * adv, np.clip(ratio, 1 - eps_low, 1 + eps_high) * adv)


def sequence_ratio(logp, old_logp, mask):
    """s_i = exp(sum_t mask (logp - old) / max(L_i, 1)) (train §4). Returns (s [N], L [N])."""
    m = _f64(mask)
    L = m.sum(axis=1)
    return np.exp(np.sum(m * (_f64(logp) - _f64(old_logp)), axis=1) / np.maximum(L, 1.0)), L


def gspo_loss(logp, old_logp, advantages, mask, eps_low=3e-4, eps_high=4e-4, level="sequence"):
    """GSPO loss (train §4; TRL importance_sampling_level="sequence", loss_type="grpo", beta 0).

    sequence: loss = (1/N) sum_i [L_i > 0] * -min(s_i A_i, clip(s_i) A_i)
              d loss / d logp[i,t] = -A_i s_i mask[i,t] / (L_i N), 0 where clipped.
    token (GSPO-token): s_it = sg[s_i] exp(logp_it - sg[logp_it]) (value s_i, d/d logp_it = s_i);
              loss = (1/N) sum_i sum_t mask -min(s_it A_it, clip(s_it) A_it) / max(L_i, 1);
              advantages may be [N] or [N, T]; with [N] it equals the sequence level exactly.
    old_logp None = on-policy (old = sg[logp], s = 1).
    mean_ratio = (1/N) sum_i s_i. clip_fraction: share of sequences clipped; at token level,
    the share of each sequence's active tokens clipped, averaged over sequences (equal to the
    sequence-level value when the advantages are per sequence).
    """
    logp = _f64(logp)
    old = logp.copy() if old_logp is None else _f64(old_logp)
    m = _f64(mask)
    N = logp.shape[0]
    s, L = sequence_ratio(logp, old, m)
    Lc = np.maximum(L, 1.0)
    adv = _f64(advantages)
    if level == "sequence":
        if adv.shape != (N,):
            raise ValueError(f"gspo_loss: sequence level needs advantages [{N}], found "
                             f"{list(adv.shape)}")
        live = L > 0
        loss = np.sum(np.where(live, _surrogate(s, adv, eps_low, eps_high), 0.0)) / N
        clip = _clipped(s, adv, eps_low, eps_high)
        coef = np.where(clip, 0.0, -adv * s / (Lc * N))
        return LossResult(loss, np.mean(s), np.mean(clip), coef[:, None] * m)
    if level == "token":
        A = adv[:, None] * np.ones_like(m) if adv.ndim == 1 else adv
        loss = gspo_token_objective(logp, logp, old, A, m, eps_low, eps_high)
        s_it = s[:, None] * np.ones_like(m)
        clip = _clipped(s_it, A, eps_low, eps_high)
        grad = np.where(clip, 0.0, -A * s_it / (Lc[:, None] * N)) * m
        clip_frac = np.mean(np.sum(clip * m, axis=1) / Lc)
        return LossResult(loss, np.mean(s), clip_frac, grad)
    raise ValueError(f"gspo_loss: level must be 'sequence' or 'token', found {level!r}")


def gspo_token_objective(logp, logp_sg, old_logp, advantages, mask, eps_low, eps_high):
    """The GSPO-token loss with its stop-gradients explicit (train §4): logp_sg stands for
    sg[logp]. The loss value uses s_it = s_i(logp_sg) * exp(logp - logp_sg); differentiating
    this in `logp` alone (finite differences, logp_sg held) gives the autograd gradient.
    advantages [N, T]."""
    m = _f64(mask)
    s, L = sequence_ratio(logp_sg, old_logp, m)
    s_it = s[:, None] * np.exp(_f64(logp) - _f64(logp_sg))
    per_tok = _surrogate(s_it, _f64(advantages), eps_low, eps_high)
    return np.mean(np.sum(per_tok * m, axis=1) / np.maximum(L, 1.0))


# ---------------------------------------------------------------------------------------------
# GRPO (train §5)
# ---------------------------------------------------------------------------------------------

def k3_kl(logp, ref_logp):
    """k3 KL estimator (train §5): exp(ref - logp) - (ref - logp) - 1."""
    d = _f64(ref_logp) - _f64(logp)
    return np.exp(d) - d - 1.0


def grpo_loss(logp, old_logp, advantages, mask, ref_logp=None, eps_low=0.2, eps_high=0.2,
              beta=0.0, loss_type="grpo", max_completion_length=None, num_active_tokens=None):
    """GRPO loss (train §5; TRL importance_sampling_level="token").

    rho = exp(logp - old);  l = -min(rho A_i, clip(rho) A_i) + beta * k3_kl(logp, ref)
    grpo:    mean_i( sum_t M l / max(1, sum_t M) )
    bnpo:    sum M l / max(1, sum M)
    dr_grpo: sum M l / (N * max_completion_length)   (default: T, the padded length)
    dapo:    sum M l / num_active_tokens  (active tokens of the global batch; default: the local
             max(1, sum M), i.e. bnpo for a single process and micro-batch)
    d l / d logp = -A rho [not clipped] + beta (1 - exp(ref - logp)), times the aggregation
    weight. mean_ratio = sum M rho / max(1, sum M); clip_fraction = sum M [clipped] /
    max(1, sum M). old_logp None = on-policy (rho = 1)."""
    logp = _f64(logp)
    old = logp.copy() if old_logp is None else _f64(old_logp)
    m = _f64(mask)
    N, T = logp.shape
    A = _f64(advantages)[:, None] * np.ones_like(m)
    rho = np.exp(logp - old)
    per_tok = _surrogate(rho, A, eps_low, eps_high)
    clip = _clipped(rho, A, eps_low, eps_high)
    dtok = np.where(clip, 0.0, -A * rho)
    if beta != 0.0:
        if ref_logp is None:
            raise ValueError("grpo_loss: beta != 0 needs ref_logp")
        per_tok = per_tok + beta * k3_kl(logp, ref_logp)
        dtok = dtok + beta * (1.0 - np.exp(_f64(ref_logp) - logp))
    if loss_type == "grpo":
        weight = m / (np.maximum(m.sum(axis=1, keepdims=True), 1.0) * N)
    elif loss_type == "bnpo":
        weight = m / max(m.sum(), 1.0)
    elif loss_type == "dr_grpo":
        weight = m / (N * (T if max_completion_length is None else max_completion_length))
    elif loss_type == "dapo":
        weight = m / (max(m.sum(), 1.0) if num_active_tokens is None else num_active_tokens)
    else:
        raise ValueError(f"grpo_loss: loss_type must be grpo, bnpo, dr_grpo or dapo; "
                         f"found {loss_type!r}")
    active = max(m.sum(), 1.0)
    return LossResult(np.sum(weight * per_tok), np.sum(m * rho) / active,
                      np.sum(m * clip) / active, weight * dtok)


# ---------------------------------------------------------------------------------------------
# Clipping, AdamW, LoRA init (train §6, §7)
# ---------------------------------------------------------------------------------------------

def clip_grad_norm(grads, max_norm):
    """torch.nn.utils.clip_grad_norm_ (train §7): total = ||concat(grads)||_2; when
    max_norm / (total + 1e-6) < 1 every grad is scaled by it. Returns (clipped list, total)."""
    grads = [_f64(g) for g in grads]
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        grads = [g * coef for g in grads]
    return grads, total


def adamw_step(param, grad, exp_avg, exp_avg_sq, step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
               weight_decay=0.01):
    """One torch.optim.AdamW update (train §7); step t counts from 1:

        theta <- theta (1 - lr wd);  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
        theta <- theta - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Returns (param, exp_avg, exp_avg_sq)."""
    b1, b2 = betas
    p, g = _f64(param), _f64(grad)
    p = p * (1.0 - lr * weight_decay)
    m = b1 * _f64(exp_avg) + (1.0 - b1) * g
    v = b2 * _f64(exp_avg_sq) + (1.0 - b2) * g * g
    denom = np.sqrt(v) / np.sqrt(1.0 - b2 ** step) + eps
    return p - (lr / (1.0 - b1 ** step)) * m / denom, m, v


def lora_init_bound(in_features):
    """Bound of PEFT's lora_A init, kaiming_uniform(a=sqrt(5)) (train §6):
    gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in) = 1 / sqrt(in_features)."""
    return 1.0 / np.sqrt(in_features)


def lora_init(r, in_features, out_features, seed=0, dtype=np.float32):
    """PEFT init (train §6): A [r, in] ~ U(-b, b) with b = lora_init_bound(in), B [out, r] = 0,
    so step 0 equals the base model. (Same distribution as torch, not the same stream.)"""
    rng = np.random.default_rng(seed)
    b = lora_init_bound(in_features)
    A = rng.uniform(-b, b, (r, in_features)).astype(dtype)
    return A, np.zeros((out_features, r), dtype=dtype)
