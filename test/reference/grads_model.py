"""Numpy vector-Jacobian products of the dense model blocks and of attention.

Written from the math of shared/reference/qwen3-architectures.md (the forward functions are in
ops.py), by hand-derived chain rules, never from Zen's lowering. Every function takes the primal
inputs and the output cotangent `dy` and returns float64 cotangents of the inputs (a dict, or a
single array for one-input ops). Running this file checks every VJP against central finite
differences of ops.py in float64:

    /usr/bin/python3 test/reference/grads_model.py
"""

import numpy as np

try:
    from . import ops
except ImportError:  # run as a script
    import ops

F64 = np.float64


def _f64(x):
    return np.asarray(x, dtype=F64)


def _rows(x):
    """x [..., n] viewed as [rows, n]."""
    return x.reshape(-1, x.shape[-1])


def linear_vjp(x, weight, dy, lora_a=None, lora_b=None, lora_scale=1.0):
    """out = x Wᵀ + s (x Aᵀ) Bᵀ:  dx = dy W + s (dy B) A;  dW = Σ dyᵀ x;
    dA = s Σ (dy B)ᵀ x;  dB = s Σ dyᵀ (x Aᵀ) (sums over all leading rows)."""
    x, w, dy = _f64(x), _f64(weight), _f64(dy)
    xr, dyr = _rows(x), _rows(dy)
    out = {"input": (dyr @ w).reshape(x.shape), "weight": dyr.T @ xr}
    if lora_a is not None:
        a, b = _f64(lora_a), _f64(lora_b)
        dyb = dyr @ b                                   # [rows, r]
        out["input"] = out["input"] + lora_scale * (dyb @ a).reshape(x.shape)
        out["lora_a"] = lora_scale * dyb.T @ xr
        out["lora_b"] = lora_scale * dyr.T @ (xr @ a.T)
    return out


def rms_norm_vjp(x, weight, dy, eps=1e-6, zero_centered=False):
    """out = s y, y = x r, r = (mean(x²) + eps)^-½, s = w or 1 + w:
    g = dy s;  dx = r (g − y mean(g y));  dw = Σ_rows dy y."""
    x, w, dy = _f64(x), _f64(weight), _f64(dy)
    r = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    y = x * r
    s = 1.0 + w if zero_centered else w
    g = dy * s
    dx = r * (g - y * np.mean(g * y, axis=-1, keepdims=True))
    return {"input": dx, "weight": _rows(dy * y).sum(axis=0)}


def l2_norm_vjp(x, dy, eps=1e-6):
    """y = x r, r = (Σx² + eps)^-½:  dx = r (dy − y Σ(dy y))."""
    x, dy = _f64(x), _f64(dy)
    r = 1.0 / np.sqrt(np.sum(x * x, axis=-1, keepdims=True) + eps)
    y = x * r
    return r * (dy - y * np.sum(dy * y, axis=-1, keepdims=True))


def embedding_vjp(ids, vocab, dy):
    """out[p] = T[ids[p]]:  dT[v] = Σ_{p: ids[p] = v} dy[p]."""
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    dy = _rows(_f64(dy))
    dt = np.zeros((vocab, dy.shape[1]))
    np.add.at(dt, ids, dy)
    return dt


def rope_vjp(positions, dy, theta, rotary_dim=None, fp32_angles=False):
    """The transpose of RoPE's per-pair rotation by a: rotation by −a.
    dx[i] = dy[i] cos + dy[i+h] sin, dx[i+h] = −dy[i] sin + dy[i+h] cos (i < h = d/2);
    pass-through lanes get dy. fp32_angles: angles rounded to float32 as HF (ops.rope_cos_sin)."""
    dy = _f64(dy)
    hd = dy.shape[-1]
    d = hd if rotary_dim is None else int(rotary_dim)
    h = d // 2
    cos, sin = ops.rope_cos_sin(positions, d, theta, fp32_angles)
    c, s = cos[:, :, None, :h], sin[:, :, None, :h]
    lo, hi = dy[..., :h], dy[..., h:d]
    return np.concatenate([lo * c + hi * s, -lo * s + hi * c, dy[..., d:]], axis=-1)


def swiglu_vjp(gate, up, dy):
    """out = silu(g) u:  dg = dy u σ(g)(1 + g(1 − σ(g)));  du = dy silu(g)."""
    g, u, dy = _f64(gate), _f64(up), _f64(dy)
    sg = ops.sigmoid(g)
    return {"gate": dy * u * sg * (1 + g * (1 - sg)), "up": dy * g * sg}


def mlp_vjp(x, gate_w, up_w, down_w, dy):
    """out = (silu(x Wgᵀ) (x Wuᵀ)) Wdᵀ, by the chain rule through the three linears."""
    x = _f64(x)
    g, u = ops.linear(x, gate_w), ops.linear(x, up_w)
    h = ops.swiglu(g, u)
    dn = linear_vjp(h, down_w, dy)
    act = swiglu_vjp(g, u, dn["input"])
    dgate = linear_vjp(x, gate_w, act["gate"])
    dup = linear_vjp(x, up_w, act["up"])
    return {"input": dgate["input"] + dup["input"], "gate_weight": dgate["weight"],
            "up_weight": dup["weight"], "down_weight": dn["weight"]}


def lm_head_vjp(x, weight, dy):
    return linear_vjp(x, weight, dy)


def mask_padding_vjp(mask, dy):
    """out = x m[..., None]:  dx = dy m[..., None]."""
    return _f64(dy) * (_f64(mask) != 0)[..., None]


def attention_vjp(q, k, v, dy, mask=None, gate=None, causal=True, scale=None):
    """Cache-less GQA attention (ops.attention):  with p = softmax(s) (0 where masked),
    o = p v, out = o σ(gate):
      do = dy σ(gate);  dgate = dy o σ(1 − σ);  dp = do vᵀ;  ds = p (dp − Σ_u p dp)
      dq = scale ds k;  dk = scale dsᵀ q;  dv = pᵀ do, the query heads of a KV head summed."""
    q, k, v, dy = _f64(q), _f64(k), _f64(v), _f64(dy)
    B, T, nh, hd = q.shape
    S, nkv = k.shape[1], k.shape[2]
    n_rep = nh // nkv
    scale = hd ** -0.5 if scale is None else scale
    kv_head = np.arange(nh) // n_rep
    kr, vr = k[:, :, kv_head], v[:, :, kv_head]                  # [B, S, nh, hd]
    s = np.einsum("btjd,bujd->bjtu", q, kr) * scale
    allowed = np.ones((B, 1, T, S), dtype=bool)
    if causal:
        allowed &= (np.arange(S)[None, :] <= np.arange(T)[:, None])[None, None]
    if mask is not None:
        allowed &= (np.asarray(mask) != 0)[:, None, None, :]
    s = np.where(allowed, s, -np.inf)
    m = np.max(s, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.where(allowed, np.exp(s - m), 0.0)
    l = e.sum(axis=-1, keepdims=True)
    p = e / np.where(l > 0, l, 1.0)
    o = np.einsum("bjtu,bujd->btjd", p, vr)
    out = {}
    if gate is not None:
        sg = ops.sigmoid(_f64(gate))
        do = dy * sg
        out["gate"] = dy * o * sg * (1 - sg)
    else:
        do = dy
    dp = np.einsum("btjd,bujd->bjtu", do, vr)
    ds = p * (dp - np.sum(p * dp, axis=-1, keepdims=True))
    out["q"] = scale * np.einsum("bjtu,bujd->btjd", ds, kr)
    dkr = scale * np.einsum("bjtu,btjd->bujd", ds, q)              # per query head
    dvr = np.einsum("bjtu,btjd->bujd", p, do)
    out["k"] = dkr.reshape(B, S, nkv, n_rep, hd).sum(axis=3)
    out["v"] = dvr.reshape(B, S, nkv, n_rep, hd).sum(axis=3)
    return out


# ---------------------------------------------------------------------------------------------
# Self-check: every VJP against central differences of ops.py (float64)
# ---------------------------------------------------------------------------------------------

def _fd_check(name, f, inputs, grads, rng, h=1e-6, tol=1e-6):
    """<grads[i], d> against (<w, f(x + h d)> − <w, f(x − h d)>) / 2h for every input i."""
    w = rng.standard_normal(np.shape(f(*inputs)))
    for i, g in grads.items():
        d = rng.standard_normal(np.shape(inputs[i]))
        plus = list(inputs)
        minus = list(inputs)
        plus[i] = inputs[i] + h * d
        minus[i] = inputs[i] - h * d
        fd = (np.sum(w * f(*plus)) - np.sum(w * f(*minus))) / (2 * h)
        an = np.sum(g(w) * d)
        err = abs(fd - an) / max(abs(fd), 1e-12)
        assert err < tol, f"{name} input {i}: fd {fd} vs vjp {an} (rel {err:.2e})"
    print(f"{name}: ok")


def _self_check():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8))
    W, A, Bm = rng.standard_normal((5, 8)), rng.standard_normal((2, 8)), rng.standard_normal((5, 2))
    lin = lambda x, W, A, Bm: ops.linear(x, W, lora_a=A, lora_b=Bm, lora_scale=1.5)
    lg = lambda w: linear_vjp(x, W, w, A, Bm, 1.5)
    _fd_check("linear+lora", lin, [x, W, A, Bm],
              {0: lambda w: lg(w)["input"], 1: lambda w: lg(w)["weight"],
               2: lambda w: lg(w)["lora_a"], 3: lambda w: lg(w)["lora_b"]}, rng)
    wn = rng.standard_normal(8)
    for zc in (False, True):
        rg = lambda w: rms_norm_vjp(x, wn, w, 1e-5, zc)
        _fd_check(f"rms_norm zc={zc}", lambda x, wn: ops.rms_norm(x, wn, 1e-5, zc), [x, wn],
                  {0: lambda w: rg(w)["input"], 1: lambda w: rg(w)["weight"]}, rng)
    _fd_check("l2_norm", lambda x: ops.l2_norm(x), [x], {0: lambda w: l2_norm_vjp(x, w)}, rng)
    ids = rng.integers(0, 6, (2, 3))
    tab = rng.standard_normal((6, 8))
    _fd_check("embedding", lambda t: ops.embedding(ids, t), [tab],
              {0: lambda w: embedding_vjp(ids, 6, w)}, rng)
    xq = rng.standard_normal((2, 3, 2, 8))
    pos = rng.integers(0, 50, (2, 3))
    for d in (8, 4):
        _fd_check(f"rope d={d}", lambda x: ops.rope(x, pos, 1e4, d), [xq],
                  {0: lambda w: rope_vjp(pos, w, 1e4, d)}, rng)
    g, u = rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 3, 8))
    _fd_check("swiglu", ops.swiglu, [g, u], {0: lambda w: swiglu_vjp(g, u, w)["gate"],
                                            1: lambda w: swiglu_vjp(g, u, w)["up"]}, rng)
    Wg, Wu, Wd = (rng.standard_normal(s) for s in ((6, 8), (6, 8), (8, 6)))
    mg = lambda w: mlp_vjp(x, Wg, Wu, Wd, w)
    _fd_check("mlp", ops.mlp, [x, Wg, Wu, Wd],
              {0: lambda w: mg(w)["input"], 1: lambda w: mg(w)["gate_weight"],
               2: lambda w: mg(w)["up_weight"], 3: lambda w: mg(w)["down_weight"]}, rng)
    mask = np.array([[0, 1, 1, 1], [1, 1, 1, 1]])
    _fd_check("mask_padding", lambda x: ops.mask_padding(x, mask), [rng.standard_normal((2, 4, 3))],
              {0: lambda w: mask_padding_vjp(mask, w)}, rng)
    q = rng.standard_normal((2, 4, 4, 8))
    k, v = rng.standard_normal((2, 4, 2, 8)), rng.standard_normal((2, 4, 2, 8))
    gt = rng.standard_normal((2, 4, 4, 8))
    for causal, msk, gate in ((True, mask, gt), (False, None, None), (True, None, None)):
        f = lambda q, k, v, gt: ops.attention(q, k, v, mask=msk, gate=gate if gate is None else gt,
                                              causal=causal, scale=0.3)
        ag = lambda w: attention_vjp(q, k, v, w, msk, gate if gate is None else gt, causal, 0.3)
        grads = {0: lambda w: ag(w)["q"], 1: lambda w: ag(w)["k"], 2: lambda w: ag(w)["v"]}
        if gate is not None:
            grads[3] = lambda w: ag(w)["gate"]
        _fd_check(f"attention causal={causal} mask={msk is not None} gate={gate is not None}",
                  f, [q, k, v, gt], grads, rng)


if __name__ == "__main__":
    _self_check()
