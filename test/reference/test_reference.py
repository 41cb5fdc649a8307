#!/usr/bin/python3
"""Self-check of Zen's numpy reference (ops.py, models.py, training.py).

Run: /usr/bin/python3 test/reference/test_reference.py [name-substring ...]
Plain asserts, no pytest. Prints one line per failure and 'N passed, M failed'; exits non-zero
when anything fails.
"""

import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import models  # noqa: E402
import ops  # noqa: E402
import training as tr  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def close(actual, expected, tol, what=""):
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if e.ndim == 0:
        e = np.broadcast_to(e, a.shape)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    err = np.max(np.abs(a - e)) if a.size else 0.0
    assert err <= tol, f"{what}: max |diff| {err:.3e} > {tol:.1e}\n  got {a}\n  want {e}"


def central_diff(f, x, h=1e-6):
    """d f / d x by central differences, f: array -> scalar."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


# ---------------------------------------------------------------------------------------------
# gspo-training.md §8 worked example
# ---------------------------------------------------------------------------------------------

MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]], dtype=np.float64)
LOGP = np.array([[-0.50, -1.20, -0.30, 0], [-2.00, -0.10, 0, 0], [-0.70, -0.90, -1.10, -0.40],
                 [-1.50, -0.20, -0.60, 0]])
OLD = np.array([[-0.55, -1.10, -0.35, 0], [-1.90, -0.15, 0, 0], [-0.60, -1.00, -1.00, -0.50],
                [-1.20, -0.30, -0.90, 0]])
REF = np.array([[-0.60, -1.00, -0.40, 0], [-2.10, -0.10, 0, 0], [-0.80, -0.80, -1.20, -0.30],
                [-1.40, -0.25, -0.50, 0]])
REWARDS = np.array([1.0, 0.0, 0.5, 0.0])


def _adv():
    return tr.group_advantages(REWARDS, group_size=4)


def _row_grads(grad, per_row):
    """Check that grad is per_row[i] on row i's completion tokens and 0 elsewhere."""
    close(grad, np.asarray(per_row)[:, None] * MASK, 1e-9, "per-token gradient")


@test
def worked_example_advantages_and_ratios():
    close(_adv(), [1.3053097494, -0.7831858496, 0.2610619499, -0.7831858496], 1e-9, "A")
    s, L = tr.sequence_ratio(LOGP, OLD, MASK)
    close(s, [1, 0.9753099120, 1, 1.0338951135], 1e-9, "s")
    close(L, [3, 2, 4, 3], 0, "L")


@test
def worked_example_gspo_paper_eps():
    r = tr.gspo_loss(LOGP, OLD, _adv(), MASK, eps_low=3e-4, eps_high=4e-4)
    s, _ = tr.sequence_ratio(LOGP, OLD, MASK)
    close(np.clip(s, 1 - 3e-4, 1 + 4e-4), [1, 0.9997, 1, 1.0004], 1e-15, "clip(s)")
    close(r.loss, 0.006577804379988311, 1e-12, "loss")
    _row_grads(r.grad, [-0.1087758124, 0.0, -0.0163163719, 0.0674776686])
    close(r.clip_fraction, 0.25, 0, "clip fraction (row 1 only)")
    close(r.mean_ratio, np.mean([1, 0.9753099120, 1, 1.0338951135]), 1e-9, "mean ratio")


@test
def worked_example_gspo_wide_eps():
    r = tr.gspo_loss(LOGP, OLD, _adv(), MASK, eps_low=0.2, eps_high=0.2)
    close(r.loss, 0.0018023114374355054, 1e-12, "loss")
    _row_grads(r.grad, [-0.1087758124, 0.0954811153, -0.0163163719, 0.0674776686])
    close(r.clip_fraction, 0.0, 0, "clip fraction")


@test
def worked_example_on_policy():
    for level in ("sequence", "token"):
        r = tr.gspo_loss(LOGP, None, _adv(), MASK, level=level)
        _row_grads(r.grad, [-0.1087758124, 0.0978982312, -0.0163163719, 0.0652654875])
        close(r.mean_ratio, 1.0, 0, "mean ratio")


@test
def worked_example_grpo():
    want = {"grpo": (0.011218417932999103, 0.01143480955335055),
            "bnpo": (-0.07447879891181852, -0.07425378909467424),
            "dr_grpo": (-0.05585909918386389, -0.055690341821005684),
            "dapo": (-0.07447879891181852, -0.07425378909467424)}
    for lt, (b0, b4) in want.items():
        r0 = tr.grpo_loss(LOGP, OLD, _adv(), MASK, loss_type=lt)
        r4 = tr.grpo_loss(LOGP, OLD, _adv(), MASK, ref_logp=REF, beta=0.04, loss_type=lt)
        close(r0.loss, b0, 1e-12, f"{lt} beta 0")
        close(r4.loss, b4, 1e-12, f"{lt} beta 0.04")
    close(tr.k3_kl(LOGP, REF)[0, :3], [0.004837418, 0.0214027582, 0.004837418], 1e-9, "k3 row 0")


@test
def worked_example_selective_logprob():
    z = np.array([2.0, -1.0, 0.5, 0.0])
    want_g = [-1.2019795635, -0.0165437904, 1.2875561885, -0.0690328346]
    close(tr.token_logprobs(z, np.int64(2), 0.7), -2.315562252898985, 1e-12, "naive logp")
    close(tr.token_logprobs_grad(z, np.int64(2), 0.7), want_g, 1e-9, "naive grad")
    # The tiled form with W = I (so z = h) and a tile that does not divide V.
    logp = tr.token_logprobs_tiled(z[None], np.eye(4), np.array([2]), 0.7, tile=3)
    close(logp, [-2.315562252898985], 1e-12, "tiled logp")
    dh, _ = tr.token_logprobs_tiled_backward(z[None], np.eye(4), np.array([2]), np.ones(1), 0.7,
                                             tile=3)
    close(dh[0], want_g, 1e-9, "tiled grad")


@test
def worked_example_clip_adamw_lora():
    g, total = tr.clip_grad_norm([np.array([3.0, 4.0])], 1.0)
    close(total, 5.0, 0, "total norm")
    close(g[0], [0.59999988, 0.79999984], 1e-8, "clipped")
    g, _ = tr.clip_grad_norm([np.array([0.3, 0.4])], 1.0)
    close(g[0], [0.3, 0.4], 0, "no clipping under max_norm")
    p, m, v = np.array([0.5, -0.3]), np.zeros(2), np.zeros(2)
    grad = np.array([0.1, -0.2])
    p, m, v = tr.adamw_step(p, grad, m, v, 1, lr=1e-3, weight_decay=0.01)
    close(p, [0.49899500010000003, -0.29899700005], 1e-15, "adamw step 1")
    p, m, v = tr.adamw_step(p, grad, m, v, 2, lr=1e-3, weight_decay=0.01)
    close(p, [0.49799001024999906, -0.29799401012999954], 1e-15, "adamw step 2")
    close(tr.lora_init_bound(64), 0.125, 0, "lora bound")
    A, B = tr.lora_init(8, 64, 32, seed=1)
    assert A.shape == (8, 64) and B.shape == (32, 8) and not B.any()
    assert np.abs(A).max() <= 0.125


# ---------------------------------------------------------------------------------------------
# Training math: finite differences and invariants
# ---------------------------------------------------------------------------------------------

def _random_batch(seed, N=6, T=5):
    rng = np.random.default_rng(seed)
    logp = -rng.uniform(0.05, 2.0, (N, T))
    old = logp + rng.normal(0.0, 0.15, (N, T))
    ref = logp + rng.normal(0.0, 0.2, (N, T))
    mask = (rng.uniform(size=(N, T)) < 0.75).astype(np.float64)
    mask[:, 0] = 1.0
    mask[-1] = 0.0                                 # an all-masked row
    adv = tr.group_advantages(rng.normal(size=N), group_size=3)
    return logp, old, ref, mask, adv


@test
def gspo_gradient_matches_finite_differences():
    logp, old, _, mask, adv = _random_batch(1)
    for eps in ((0.2, 0.2), (0.02, 0.03), (3e-4, 4e-4)):
        r = tr.gspo_loss(logp, old, adv, mask, *eps)
        fd = central_diff(lambda x: tr.gspo_loss(x, old, adv, mask, *eps).loss, logp)
        close(r.grad, fd, 1e-8, f"gspo grad eps={eps}")
        close(r.loss, tr.gspo_loss(logp, old, adv, mask, *eps).loss, 0, "deterministic")


@test
def gspo_token_gradient_matches_finite_differences():
    """Per-token advantages: FD of the explicit stop-gradient objective in logp alone."""
    logp, old, _, mask, _ = _random_batch(2)
    A = np.random.default_rng(3).normal(size=logp.shape)
    for eps in ((0.2, 0.2), (0.01, 0.01)):
        r = tr.gspo_loss(logp, old, A, mask, *eps, level="token")
        fd = central_diff(lambda x: tr.gspo_token_objective(x, logp, old, A, mask, *eps), logp)
        close(r.grad, fd, 1e-8, f"gspo-token grad eps={eps}")
        close(r.loss, tr.gspo_token_objective(logp, logp, old, A, mask, *eps), 1e-15, "value")


@test
def gspo_token_with_sequence_advantages_equals_gspo():
    logp, old, _, mask, adv = _random_batch(4)
    for eps in ((0.2, 0.2), (0.02, 0.03), (3e-4, 4e-4)):
        for o in (old, None):
            s = tr.gspo_loss(logp, o, adv, mask, *eps, level="sequence")
            t = tr.gspo_loss(logp, o, adv, mask, *eps, level="token")
            t2 = tr.gspo_loss(logp, o, adv[:, None] * np.ones_like(mask), mask, *eps,
                              level="token")
            for u in (t, t2):
                close(u.loss, s.loss, 1e-15, "loss")
                close(u.grad, s.grad, 1e-15, "grad")
                close(u.mean_ratio, s.mean_ratio, 0, "mean ratio")
                close(u.clip_fraction, s.clip_fraction, 1e-15, "clip fraction")
            if o is not None and eps[0] < 0.1:
                assert 0 < s.clip_fraction < 1, "the small ranges clip some rows, not all"


@test
def grpo_gradient_matches_finite_differences():
    logp, old, ref, mask, adv = _random_batch(5)
    for lt in ("grpo", "bnpo", "dr_grpo", "dapo"):
        for beta in (0.0, 0.04):
            kw = dict(ref_logp=ref, beta=beta, loss_type=lt, eps_low=0.1, eps_high=0.15)
            r = tr.grpo_loss(logp, old, adv, mask, **kw)
            fd = central_diff(lambda x: tr.grpo_loss(x, old, adv, mask, **kw).loss, logp)
            close(r.grad, fd, 1e-8, f"grpo grad {lt} beta={beta}")
    kw = dict(loss_type="dapo", num_active_tokens=100.0)
    r = tr.grpo_loss(logp, old, adv, mask, **kw)
    close(r.loss * 100.0, tr.grpo_loss(logp, old, adv, mask, loss_type="bnpo").loss * mask.sum(),
          1e-12, "dapo global normaliser")


@test
def masked_rows_and_constant_groups():
    logp, old, ref, mask, adv = _random_batch(6)
    bumped = logp.copy()
    bumped[-1] += 3.0                             # the all-masked row
    for fn in (lambda x: tr.gspo_loss(x, old, adv, mask),
               lambda x: tr.gspo_loss(x, old, adv, mask, level="token"),
               lambda x: tr.grpo_loss(x, old, adv, mask, ref_logp=ref, beta=0.04)):
        a, b = fn(logp), fn(bumped)
        close(a.loss, b.loss, 0, "masked row changes nothing")
        assert not a.grad[-1].any()
    A = tr.group_advantages([0.3, 0.3, 0.3, 1.0, 0.0, 0.5], 3)
    assert np.all(np.isfinite(A)) and not A[:3].any()
    A0 = tr.group_advantages([0.1, 0.1, 0.1], 3, eps=0.0)
    assert not A0.any() and np.all(np.isfinite(A0))
    assert not tr.group_advantages([1.0, 2.0], 1).any()           # groups of one
    r = np.array([1.0, 0.0, 0.5, 0.0, 2.0, 1.0])
    b = tr.group_advantages(r, 3, scaling="batch")
    dev = r - np.repeat(r.reshape(2, 3).mean(1), 3)
    close(b, dev / (np.std(r, ddof=1) + 1e-4), 1e-15, "batch scaling")
    close(tr.group_advantages(r, 3, scaling="none"), dev, 1e-15, "no scaling")


@test
def token_logprobs_naive_tiled_and_gradients():
    rng = np.random.default_rng(7)
    N, T, H, V = 2, 3, 6, 23
    h = rng.normal(size=(N, T, H))
    W = rng.normal(size=(V, H))
    y = rng.integers(0, V, (N, T))
    y[0, 0], y[1, 2] = 0, V - 1                  # first and last tile
    for tau in (1.0, 0.7):
        z = h @ W.T
        naive = tr.token_logprobs(z, y, tau)
        close(naive, np.log(np.exp(z / tau) / np.exp(z / tau).sum(-1, keepdims=True))[
            np.arange(N)[:, None], np.arange(T)[None], y], 1e-12, "naive vs direct")
        for tile in (5, 7, 23, 100):
            close(tr.token_logprobs_tiled(h, W, y, tau, tile), naive, 1e-12, f"tiled {tile}")
        fdz = central_diff(lambda zz: tr.token_logprobs(zz, y, tau)[1, 2], z)
        close(tr.token_logprobs_grad(z, y, tau)[1, 2], fdz[1, 2], 1e-8, "d logp / d z")
        g = rng.normal(size=(N, T))
        dh, dW = tr.token_logprobs_tiled_backward(h, W, y, g, tau, tile=5)
        fh = central_diff(lambda x: np.sum(g * tr.token_logprobs(x @ W.T, y, tau)), h)
        fW = central_diff(lambda x: np.sum(g * tr.token_logprobs(h @ x.T, y, tau)), W)
        close(dh, fh, 1e-8, "d hidden")
        close(dW, fW, 1e-8, "d W")


# ---------------------------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------------------------

def _gdr_inputs(seed, B=2, T=37, Hk=2, Hv=4, dk=5, dv=3):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(B, T, Hk, dk))
    k = rng.normal(size=(B, T, Hk, dk))
    v = rng.normal(size=(B, T, Hv, dv))
    g = -rng.uniform(0.0, 0.7, (B, T, Hv))
    beta = rng.uniform(0.05, 1.0, (B, T, Hv))
    s0 = rng.normal(size=(B, Hv, dk, dv))
    return q, k, v, g, beta, s0


@test
def gated_delta_rule_chunked_equals_recurrent():
    q, k, v, g, beta, s0 = _gdr_inputs(8)
    for l2 in (True, False):
        for init in (None, s0):
            ro, rs = ops.gated_delta_rule_recurrent(q, k, v, g, beta, init, use_qk_l2norm=l2)
            for C in (1, 8, 16, 64):
                co, cs = ops.gated_delta_rule_chunked(q, k, v, g, beta, init, C,
                                                      use_qk_l2norm=l2)
                close(co, ro, 1e-10, f"out C={C} l2={l2}")
                close(cs, rs, 1e-10, f"state C={C} l2={l2}")
    # Splitting the sequence and carrying the state gives the same result.
    o1, s1 = ops.gated_delta_rule(q[:, :20], k[:, :20], v[:, :20], g[:, :20], beta[:, :20], s0,
                                  chunk_size=8)
    o2, s2 = ops.gated_delta_rule(q[:, 20:], k[:, 20:], v[:, 20:], g[:, 20:], beta[:, 20:], s1,
                                  mode="recurrent")
    ro, rs = ops.gated_delta_rule_recurrent(q, k, v, g, beta, s0)
    close(np.concatenate([o1, o2], 1), ro, 1e-10, "split out")
    close(s2, rs, 1e-10, "split state")


@test
def gated_delta_rule_recurrent_matches_closed_form():
    """S_t = e^{g_t}(I - b k k^T) S_{t-1} + b k v^T per head, value head h -> key head h // r,
    written out for one (b, h) with explicit l2 norm and scale (arch §2.7 items 6-8)."""
    q, k, v, g, beta, s0 = _gdr_inputs(9, B=1, T=6, Hk=2, Hv=4, dk=4, dv=3)
    out, _ = ops.gated_delta_rule_recurrent(q, k, v, g, beta, s0)
    for h in range(4):
        kh = h // 2
        S = s0[0, h].copy()
        for t in range(6):
            kt = k[0, t, kh] / np.sqrt(np.sum(k[0, t, kh] ** 2) + 1e-6)
            qt = q[0, t, kh] / np.sqrt(np.sum(q[0, t, kh] ** 2) + 1e-6) / 2.0   # dk^-0.5
            b = beta[0, t, h]
            S = np.exp(g[0, t, h]) * (np.eye(4) - b * np.outer(kt, kt)) @ S + b * np.outer(
                kt, v[0, t, h])
            close(out[0, t, h], S.T @ qt, 1e-12, f"head {h} t {t}")


@test
def causal_conv1d_formula_state_and_padding():
    rng = np.random.default_rng(10)
    B, T, C, K = 2, 7, 5, 4
    x = rng.normal(size=(B, T, C))
    w = rng.normal(size=(C, 1, K))
    y, st = ops.causal_conv1d(x, w, activation="none")
    for t in range(T):
        want = sum(w[None, :, 0, i] * (x[:, t - K + 1 + i] if t - K + 1 + i >= 0 else 0)
                   for i in range(K))
        close(y[:, t], want, 1e-12, f"conv t={t}")
    close(st, x[:, -K:].transpose(0, 2, 1), 0, "new_state = last K columns")
    ys, _ = ops.causal_conv1d(x, w)
    close(ys, ops.silu(y), 1e-15, "silu")
    y1, s1 = ops.causal_conv1d(x[:, :2], w)                    # T < K: left zero padding
    close(s1[:, :, :K - 2], 0, 0, "left zero padding")
    close(s1[:, :, K - 2:], x[:, :2].transpose(0, 2, 1), 0, "kept columns")
    parts, s = [y1], s1
    for t in range(2, T):                                       # token by token with state
        yt, s = ops.causal_conv1d(x[:, t:t + 1], w, s)
        parts.append(yt)
    close(np.concatenate(parts, 1), ys, 1e-12, "streamed conv")
    close(s, st, 0, "streamed state")


def _attention_loop(q, k, v, mask, p0, scale):
    """Brute-force attention, one (b, j, t) at a time, positions p0 + t vs u."""
    B, T, nh, hd = q.shape
    S, nkv = k.shape[1], k.shape[2]
    out = np.zeros(q.shape)
    for b in range(B):
        for j in range(nh):
            kvh = j // (nh // nkv)
            for t in range(T):
                us = [u for u in range(S) if u <= p0 + t and (mask is None or mask[b, u])]
                if not us:
                    continue
                sc = np.array([scale * q[b, t, j] @ k[b, u, kvh] for u in us])
                p = np.exp(sc - sc.max())
                p /= p.sum()
                out[b, t, j] = sum(pi * v[b, u, kvh] for pi, u in zip(p, us))
    return out


@test
def attention_gqa_mask_gate_and_cache():
    rng = np.random.default_rng(11)
    B, T, nh, nkv, hd = 2, 6, 4, 2, 8
    q = rng.normal(size=(B, T, nh, hd))
    k = rng.normal(size=(B, T, nkv, hd))
    v = rng.normal(size=(B, T, nkv, hd))
    mask = np.ones((B, T), np.int64)
    mask[0, :2] = 0                                            # left padding on row 0
    out = ops.attention(q, k, v, mask=mask)
    close(out, _attention_loop(q, k, v, mask, 0, hd ** -0.5), 1e-12, "vs loop")
    assert not out[0, :2].any(), "fully masked query rows give 0"
    gate = rng.normal(size=(B, T, nh, hd))
    close(ops.attention(q, k, v, mask=mask, gate=gate), out * ops.sigmoid(gate), 1e-15, "gate")
    close(ops.attention(q, k, v, mask=mask, gate=gate.reshape(B, T, -1)),
          out * ops.sigmoid(gate), 1e-15, "flat gate")
    # Cache: prefill 4 tokens into an 8-slot cache, then 2 more; equals the one-shot result.
    kc = np.zeros((B, nkv, 8, hd))
    vc = np.zeros((B, nkv, 8, hd))
    big = np.ones((B, 8), np.int64)
    big[:, :T] = mask
    o1, kc, vc = ops.attention(q[:, :4], k[:, :4], v[:, :4], big, None, kc, vc, 0)
    o2, kc, vc = ops.attention(q[:, 4:], k[:, 4:], v[:, 4:], big, None, kc, vc, 4)
    close(np.concatenate([o1, o2], 1), out, 1e-12, "cache path")
    close(kc[:, :, :T].transpose(0, 2, 1, 3), k, 0, "cache contents")
    assert not kc[:, :, T:].any()


@test
def rope_recipe_relative_and_partial():
    inv = ops.rope_inv_freq(16, 1e6)
    assert np.all(inv == inv.astype(np.float32))
    close(inv, 1.0 / 1e6 ** (np.arange(0, 16, 2) / 16), 1e-7 * inv.max(), "inv_freq")
    rng = np.random.default_rng(12)
    qv, kv = rng.normal(size=16), rng.normal(size=16)

    def dot(m, n):
        a = ops.rope(qv[None, None, None], np.array([[m]]), 1e4)
        b = ops.rope(kv[None, None, None], np.array([[n]]), 1e4)
        return float(np.sum(a * b))
    close(dot(7, 3), dot(104, 100), 1e-10, "depends on m - n only")
    close(dot(0, 0), qv @ kv, 1e-12, "position 0 is the identity")
    x = rng.normal(size=(2, 3, 2, 16))
    pos = np.array([[0, 1, 2], [5, 9, 11]])
    y = ops.rope(x, pos, 1e7, rotary_dim=4)
    close(y[..., 4:], x[..., 4:], 0, "partial: pass-through lanes")
    close(y[..., :4], ops.rope(x[..., :4], pos, 1e7), 0, "partial: rotated lanes")
    # rotate_half pairs lane i with lane i + d/2.
    e = np.zeros(16)
    e[1] = 1.0
    r = ops.rope(e[None, None, None], np.array([[1]]), 1e4)[0, 0, 0]
    f1 = ops.rope_inv_freq(16, 1e4)[1]
    close(r[[1, 9]], [np.cos(f1), np.sin(f1)], 1e-15, "pairing")


@test
def norms_gates_and_small_ops():
    rng = np.random.default_rng(13)
    x = rng.normal(size=(3, 8))
    w = rng.normal(size=8)
    close(ops.rms_norm(x, w, 1e-6, zero_centered=True), ops.rms_norm(x, 1 + w, 1e-6), 1e-15,
          "zero-centred = plain with 1 + w")
    y = ops.rms_norm(x, np.ones(8), 0.0)
    close(np.mean(y * y, -1), np.ones(3), 1e-12, "unit rms")
    z = rng.normal(size=(3, 8))
    close(ops.gated_rms_norm(x, z, w), ops.rms_norm(x, w) * z / (1 + np.exp(-z)), 1e-15, "gated")
    close(ops.l2_norm(np.array([3.0, 4.0]), eps=0.0), [0.6, 0.8], 1e-15, "l2")
    g, beta = ops.gdn_gates(np.array([25.0, 0.0, -30.0]), np.array([0.0, 100.0, -100.0]),
                            np.log(np.array([2.0, 2.0, 2.0])), np.zeros(3))
    close(g, [-50.0, -2.0 * np.log(2.0), -2.0 * np.log1p(np.exp(-30.0))], 1e-12, "g")
    close(beta, [0.5, 1.0, 0.0], 1e-15, "beta")
    assert np.all(g <= 0)
    A, Bm = rng.normal(size=(2, 8)), rng.normal(size=(5, 2))
    W = rng.normal(size=(5, 8))
    close(ops.linear(x, W, lora_a=A, lora_b=Bm, lora_scale=2.0), x @ (W + 2.0 * Bm @ A).T,
          1e-12, "lora = merged")
    close(ops.mask_padding(x[None], np.array([[1, 0, 1]]))[0, 1], 0, 0, "mask_padding")


@test
def moe_router_and_moe_block():
    rng = np.random.default_rng(14)
    H, E, I, k = 6, 5, 4, 2
    router = rng.normal(size=(E, H))
    router[3] = router[1]                                      # experts 1 and 3 always tie
    x = rng.normal(size=(2, 3, H))
    w, idx = ops.moe_router(x, router, 3, norm_topk_prob=False)
    p = ops.softmax(x @ router.T)
    close(w, np.take_along_axis(p, idx, -1), 0, "weights are full-softmax probabilities")
    for t in np.ndindex(idx.shape[:2]):
        sel = list(idx[t])
        if 1 in sel and 3 in sel:
            assert sel.index(1) < sel.index(3), "tie goes to the lower index"
        if 3 in sel:
            assert 1 in sel, "expert 3 never beats its tie partner 1"
    wn, _ = ops.moe_router(x, router, 3, norm_topk_prob=True)
    close(wn.sum(-1), np.ones((2, 3)), 1e-15, "renormalised")
    gw, uw, dw = rng.normal(size=(E, I, H)), rng.normal(size=(E, I, H)), rng.normal(size=(E, H, I))
    sg, su, sd, sgate = (rng.normal(size=(3, H)), rng.normal(size=(3, H)),
                         rng.normal(size=(H, 3)), rng.normal(size=(1, H)))
    out = ops.moe(x, router, gw, uw, dw, k, True, sg, su, sd, sgate)
    xf = x.reshape(-1, H)
    want = np.zeros_like(xf)
    for n in range(xf.shape[0]):
        pn = ops.softmax(xf[n] @ router.T)
        top = np.argsort(-pn, kind="stable")[:k]
        wt = pn[top] / pn[top].sum()
        for e, we in zip(top, wt):
            want[n] += we * ops.mlp(xf[n], gw[e], uw[e], dw[e])
        want[n] += ops.sigmoid(sgate @ xf[n]) * ops.mlp(xf[n], sg, su, sd)
    close(out.reshape(-1, H), want, 1e-12, "moe vs per-token loop")


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

DENSE = dict(model_type="qwen3", hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, head_dim=16, intermediate_size=48, vocab_size=64,
             rms_norm_eps=1e-6, rope_theta=1e6, tie_word_embeddings=False)
MOE = dict(DENSE, model_type="qwen3_moe", num_hidden_layers=3, num_experts=6,
           num_experts_per_tok=2, moe_intermediate_size=24, norm_topk_prob=True,
           decoder_sparse_step=1, mlp_only_layers=[1], rope_theta=1e7)
NEXT = dict(model_type="qwen3_next", hidden_size=32, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16, intermediate_size=48,
            vocab_size=64, rms_norm_eps=1e-6, rope_theta=1e7, partial_rotary_factor=0.25,
            tie_word_embeddings=False, num_experts=4, num_experts_per_tok=2,
            moe_intermediate_size=16, shared_expert_intermediate_size=16, norm_topk_prob=True,
            decoder_sparse_step=1, mlp_only_layers=[], full_attention_interval=2,
            linear_conv_kernel_dim=4, linear_key_head_dim=8, linear_value_head_dim=8,
            linear_num_key_heads=2, linear_num_value_heads=4, gdn_chunk_size=4)
FAMILIES = {"dense": DENSE, "moe": MOE, "next": NEXT}


def _batch(V, seed=20, B=2, T=9, pad=3):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, (B, T))
    mask = np.ones((B, T), np.int64)
    mask[0, :pad] = 0                                           # left padding on row 0
    return ids, mask


@test
def prefill_decode_equals_forward():
    for name, cfg in FAMILIES.items():
        W = models.random_weights(cfg, seed=1, std=0.1)
        ids, mask = _batch(cfg["vocab_size"])
        full = models.forward(cfg, W, ids, mask)
        assert full.shape == (2, 9, 64) and np.all(np.isfinite(full))
        logits, cache = models.prefill(cfg, W, ids[:, :5], mask[:, :5], max_len=6)
        parts = [logits]
        lg, cache = models.decode(cfg, W, cache, ids[:, 5:7])      # two tokens at once
        parts.append(lg)
        for t in (7, 8):                                            # then one at a time
            lg, cache = models.decode(cfg, W, cache, ids[:, t:t + 1])
            parts.append(lg)
        got = np.concatenate(parts, 1)
        close(got, full, 1e-11, f"{name}: prefill + decode vs forward")
        assert cache.length == 9 and list(cache.next_position) == [6, 9]


@test
def left_padding_equals_unpadded_row():
    for name, cfg in FAMILIES.items():
        W = models.random_weights(cfg, seed=2, std=0.1)
        ids, mask = _batch(cfg["vocab_size"], seed=21)
        padded = models.forward(cfg, W, ids, mask)
        alone = models.forward(cfg, W, ids[:1, 3:])
        close(padded[0, 3:], alone[0], 1e-11, f"{name}: padded row vs unpadded")


@test
def every_weight_is_read_and_names_are_hf():
    class Tracking(dict):
        def __init__(self, *a):
            super().__init__(*a)
            self.read = set()

        def __getitem__(self, key):
            self.read.add(key)
            return super().__getitem__(key)
    for name, cfg in FAMILIES.items():
        W = Tracking(models.random_weights(cfg, seed=3))
        out, h = models.forward(cfg, W, np.array([[1, 2, 3]]), return_hidden=True)
        main = {k for k in W if not k.startswith("mtp.")}
        assert W.read == main, f"{name}: unread {sorted(main - W.read)[:5]}"
        if name == "next":
            W.read.clear()
            mtp = models.mtp_forward(cfg, W, h, np.array([[2, 3, 4]]))
            assert mtp.shape == (1, 3, 64) and np.all(np.isfinite(mtp))
            mtp_keys = {k for k in W if k.startswith("mtp.")}
            assert mtp_keys <= W.read, f"unread {sorted(mtp_keys - W.read)[:5]}"
    shapes = models.weight_shapes(NEXT)
    assert shapes["model.layers.0.linear_attn.in_proj_qkvz.weight"] == (2 * 16 + 2 * 32, 32)
    assert shapes["model.layers.0.linear_attn.conv1d.weight"] == (2 * 16 + 32, 1, 4)
    assert shapes["model.layers.1.self_attn.q_proj.weight"] == (4 * 16 * 2, 32)
    assert shapes["model.layers.1.mlp.experts.3.down_proj.weight"] == (32, 16)
    assert shapes["model.layers.1.mlp.shared_expert_gate.weight"] == (1, 32)
    assert "model.layers.1.mlp.gate_proj.weight" in models.weight_shapes(MOE)    # mlp_only
    W = models.random_weights(DENSE)
    del W["model.layers.1.mlp.up_proj.weight"]
    try:
        models.forward(DENSE, W, np.array([[1]]))
        raise AssertionError("missing tensor not reported")
    except KeyError as e:
        assert "model.layers.1.mlp.up_proj.weight" in str(e)


@test
def tied_embeddings():
    tied = dict(DENSE, tie_word_embeddings=True)
    W = models.random_weights(tied, seed=4)
    assert "lm_head.weight" not in W
    ids = np.array([[5, 9, 2, 33]])
    untied = dict(W, **{"lm_head.weight": W["model.embed_tokens.weight"].copy()})
    close(models.forward(tied, W, ids), models.forward(DENSE, untied, ids), 0, "tied")
    # lm_head.weight absent with tie_word_embeddings false also falls back to embed_tokens.
    close(models.forward(DENSE, W, ids), models.forward(DENSE, untied, ids), 0, "absent head")


@test
def lora_merged_equals_unmerged():
    for name, cfg in FAMILIES.items():
        W = models.random_weights(cfg, seed=5, std=0.1)
        rng = np.random.default_rng(6)
        targets = ["model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.v_proj",
                   "model.layers.1.self_attn.o_proj"] if name != "next" else [
            "model.layers.0.linear_attn.in_proj_qkvz", "model.layers.1.self_attn.q_proj",
            "model.layers.2.linear_attn.out_proj"]
        if name == "dense":
            targets.append("model.layers.0.mlp.down_proj")
        adapter = {}
        for t in targets:
            out_f, in_f = W[t + ".weight"].shape
            adapter[f"base_model.model.{t}.lora_A.weight"] = rng.normal(size=(4, in_f))
            adapter[f"base_model.model.{t}.lora_B.weight"] = rng.normal(0, 0.1, (out_f, 4))
        lora = models.lora_from_peft(adapter, lora_alpha=8)
        assert all(s == 2.0 for _, _, s in lora.values())
        ids, mask = _batch(cfg["vocab_size"], seed=22, T=6)
        a = models.forward(cfg, W, ids, mask, lora=lora)
        b = models.forward(cfg, models.merge_lora(W, lora), ids, mask)
        close(a, b, 1e-11, f"{name}: merged vs unmerged")
        assert np.abs(a - models.forward(cfg, W, ids, mask)).max() > 1e-3, "adapter has effect"
        zero = {m: (A, np.zeros_like(B), s) for m, (A, B, s) in lora.items()}
        close(models.forward(cfg, W, ids, mask, lora=zero), models.forward(cfg, W, ids, mask),
              0, f"{name}: B = 0 is the base model")


@test
def config_dialects_and_omni_names():
    W = models.random_weights(NEXT, seed=7)
    ids = np.array([[3, 1, 4, 1, 5, 9]])
    v4 = models.forward(NEXT, W, ids)
    v5 = dict(NEXT, layer_types=["linear_attention", "full_attention"] * 2,
              rope_parameters={"rope_theta": 1e7, "partial_rotary_factor": 0.25,
                               "rope_type": "default"})
    for key in ("rope_theta", "partial_rotary_factor", "full_attention_interval"):
        del v5[key]
    close(models.forward(v5, W, ids), v4, 0, "transformers 5 dialect")
    omni = dict(MOE, model_type="qwen3_omni_moe_text",
                rope_scaling={"rope_type": "default", "mrope_section": [2, 3, 3],
                              "mrope_interleaved": True})
    Wm = models.random_weights(MOE, seed=8)
    Wo = {"thinker." + k: v for k, v in Wm.items()}
    assert set(Wo) == set(models.random_weights(omni, seed=8))
    close(models.forward(omni, Wo, ids), models.forward(MOE, Wm, ids), 0, "omni = moe")


@test
def completion_logprobs_is_shifted_log_softmax():
    W = models.random_weights(NEXT, seed=9, std=0.1)
    ids, mask = _batch(64, seed=23, T=6)
    lp = tr.completion_logprobs(NEXT, W, ids, mask, temperature=0.8, tile=10)
    logits, h = models.forward(NEXT, W, ids, mask, return_hidden=True)
    close(ops.lm_head(h, W["lm_head.weight"]), logits, 0, "return_hidden")
    close(lp[:, 1:], tr.token_logprobs(logits[:, :-1], ids[:, 1:], 0.8), 1e-12, "shifted")
    assert not lp[:, 0].any()


def main(argv):
    selected = [t for t in TESTS if not argv or any(a in t.__name__ for a in argv)]
    passed, failed = 0, 0
    start = time.time()
    np.seterr(all="raise", under="ignore")
    for t in selected:
        try:
            t()
            passed += 1
        except Exception:                                      # noqa: BLE001
            failed += 1
            print(f"FAIL {t.__name__}\n{traceback.format_exc()}")
    print(f"{passed} passed, {failed} failed ({time.time() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
