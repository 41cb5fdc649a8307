"""Numpy vector-Jacobian products of the Gated-DeltaNet building blocks (float64).

Written from the forward math in shared/reference/qwen3-architectures.md §2.7 (the forward
functions are ops.causal_conv1d, ops.gdn_gates, ops.gated_delta_rule, ops.gated_rms_norm), by
the chain rule, never from Zen's lowering. Each function takes the forward's inputs and the
cotangents of its outputs and returns the cotangents of the inputs, float64.
`check_fd` verifies any of them by central finite differences in float64.
"""

import numpy as np

try:                                   # imported as reference.grads_deltanet
    from .ops import _f64, l2_norm, sigmoid, silu, softplus
except ImportError:                    # test/reference on sys.path
    from ops import _f64, l2_norm, sigmoid, silu, softplus


def _silu_prime(y):
    s = sigmoid(y)
    return s * (1.0 + y * (1.0 - s))


# ---------------------------------------------------------------------------------------------
# causal conv1d (arch §2.7 step 4), stateless form
# ---------------------------------------------------------------------------------------------

def causal_conv1d_grad(x, weight, dout, activation="silu"):
    """y[b,t,c] = sum_i w[c,0,i] x[b, t-K+1+i, c] (zero before t = 0); out = act(y).
    Returns (dx [B,T,C], dw [C,1,K])."""
    x, w, dout = _f64(x), _f64(weight), _f64(dout)
    B, T, C = x.shape
    K = w.shape[2]
    xpad = np.concatenate([np.zeros((B, K - 1, C)), x], axis=1)      # x at index t + K - 1
    y = np.zeros((B, T, C))
    for i in range(K):
        y += w[None, None, :, 0, i] * xpad[:, i:i + T]
    dy = dout * (_silu_prime(y) if activation == "silu" else 1.0)
    dxpad = np.zeros(xpad.shape)
    dw = np.zeros(w.shape)
    for i in range(K):
        dxpad[:, i:i + T] += w[None, None, :, 0, i] * dy
        dw[:, 0, i] = np.sum(dy * xpad[:, i:i + T], axis=(0, 1))
    return dxpad[:, K - 1:], dw


# ---------------------------------------------------------------------------------------------
# gates (arch §2.7 step 5)
# ---------------------------------------------------------------------------------------------

def gdn_gates_grad(a, b, A_log, dt_bias, dg, dbeta):
    """g = -exp(A_log) softplus(a + dt_bias), beta = sigmoid(b).
    Returns (da, db, dA_log, ddt_bias)."""
    a, b, A_log, dt_bias = _f64(a), _f64(b), _f64(A_log), _f64(dt_bias)
    dg, dbeta = _f64(dg), _f64(dbeta)
    x = a + dt_bias
    dsoft = np.where(x > 20.0, 1.0, sigmoid(x))          # d softplus / dx (threshold 20)
    decay = np.exp(A_log)
    da = dg * (-decay) * dsoft
    s = sigmoid(b)
    db = dbeta * s * (1.0 - s)
    g = -decay * softplus(x)
    dA_log = np.sum(dg * g, axis=(0, 1))
    ddt_bias = np.sum(da, axis=(0, 1))
    return da, db, dA_log, ddt_bias


# ---------------------------------------------------------------------------------------------
# gated RMSNorm (arch §2.2, §2.7 step 10)
# ---------------------------------------------------------------------------------------------

def gated_rms_norm_grad(x, z, weight, dout, eps=1e-6):
    """out = w * (x r) * silu(z), r = rsqrt(mean(x^2) + eps). Returns (dx, dz, dw)."""
    x, z, w, dout = _f64(x), _f64(z), _f64(weight), _f64(dout)
    D = x.shape[-1]
    r = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    y = x * r
    s = silu(z)
    dz = dout * w * y * _silu_prime(z)
    dy = dout * w * s
    dx = r * (dy - y * np.sum(dy * y, axis=-1, keepdims=True) / D)
    dw = np.sum((dout * y * s).reshape(-1, D), axis=0)
    return dx, dz, dw


# ---------------------------------------------------------------------------------------------
# gated delta rule (arch §2.7 steps 6-9)
# ---------------------------------------------------------------------------------------------

def _l2_norm_grad(x, dy, eps=1e-6):
    """y = x r, r = rsqrt(sum x^2 + eps): dx = r (dy - y (y . dy))."""
    r = 1.0 / np.sqrt(np.sum(x * x, axis=-1, keepdims=True) + eps)
    y = x * r
    return r * (dy - y * np.sum(y * dy, axis=-1, keepdims=True))


def gated_delta_rule_grad(q, k, v, g, beta, dout, initial_state=None, d_final_state=None,
                          use_qk_l2norm=True, scale=None):
    """Backward of the gated delta rule (either mode; they compute the same function):
    per (b, h), A_t = e^{g_t} S_{t-1}; u = A^T k; delta = beta (v - u); S_t = A + k delta^T;
    o_t = S_t^T q. Walks time backwards from dS = d_final_state. Returns
    (dq, dk, dv, dg, dbeta, d_initial_state) in the forward's layouts."""
    q0, k0, v, g, beta, dout = (_f64(a) for a in (q, k, v, g, beta, dout))
    B, T, Hk, dk = q0.shape
    Hv, dv = v.shape[2], v.shape[3]
    rep = Hv // Hk
    sc = dk ** -0.5 if scale is None else scale
    qn = l2_norm(q0) if use_qk_l2norm else q0
    kn = l2_norm(k0) if use_qk_l2norm else k0
    head = np.arange(Hv) // rep
    Q = (qn * sc)[:, :, head].transpose(0, 2, 1, 3)        # [B, Hv, T, dk]
    Kx = kn[:, :, head].transpose(0, 2, 1, 3)
    V = v.transpose(0, 2, 1, 3)
    G, Be = g.transpose(0, 2, 1), beta.transpose(0, 2, 1)
    dO = dout.transpose(0, 2, 1, 3)
    S = np.zeros((B, Hv, dk, dv)) if initial_state is None else _f64(initial_state).copy()
    states = [S]                                             # states[t] = S_t (S_0 initial)
    for t in range(T):
        A = np.exp(G[:, :, t])[..., None, None] * S
        u = np.einsum("bhij,bhi->bhj", A, Kx[:, :, t])
        delta = Be[:, :, t][..., None] * (V[:, :, t] - u)
        S = A + Kx[:, :, t][..., :, None] * delta[..., None, :]
        states.append(S)
    dQ, dK = np.zeros(Q.shape), np.zeros(Kx.shape)
    dV, dG, dB = np.zeros(V.shape), np.zeros(G.shape), np.zeros(Be.shape)
    dS = np.zeros(S.shape) if d_final_state is None else _f64(d_final_state).copy()
    for t in reversed(range(T)):
        kt, qt, vt, dot = Kx[:, :, t], Q[:, :, t], V[:, :, t], dO[:, :, t]
        A = np.exp(G[:, :, t])[..., None, None] * states[t]
        u = np.einsum("bhij,bhi->bhj", A, kt)
        delta = Be[:, :, t][..., None] * (vt - u)
        St = states[t + 1]
        dQ[:, :, t] = np.einsum("bhij,bhj->bhi", St, dot)
        dS = dS + qt[..., :, None] * dot[..., None, :]
        dK[:, :, t] = np.einsum("bhij,bhj->bhi", dS, delta)
        ddelta = np.einsum("bhij,bhi->bhj", dS, kt)
        dB[:, :, t] = np.sum(ddelta * (vt - u), axis=-1)
        dV[:, :, t] = Be[:, :, t][..., None] * ddelta
        du = -Be[:, :, t][..., None] * ddelta
        dA = dS + kt[..., :, None] * du[..., None, :]
        dK[:, :, t] += np.einsum("bhij,bhj->bhi", A, du)
        dG[:, :, t] = np.sum(A * dA, axis=(-1, -2))
        dS = np.exp(G[:, :, t])[..., None, None] * dA
    # Back to [B, T, H, d], summed over the value heads of each key head.
    dQk = (dQ.transpose(0, 2, 1, 3) * sc).reshape(B, T, Hk, rep, dk).sum(axis=3)
    dKk = dK.transpose(0, 2, 1, 3).reshape(B, T, Hk, rep, dk).sum(axis=3)
    if use_qk_l2norm:
        dQk, dKk = _l2_norm_grad(q0, dQk), _l2_norm_grad(k0, dKk)
    return (dQk, dKk, dV.transpose(0, 2, 1, 3), dG.transpose(0, 2, 1),
            dB.transpose(0, 2, 1), dS)


# ---------------------------------------------------------------------------------------------
# Finite-difference check of a VJP (float64)
# ---------------------------------------------------------------------------------------------

def check_fd(f, inputs, cotangents, vjp, eps=1e-6, seed=0):
    """Compares <vjp, d> with the central difference of <w, f(x + h d)> along a random
    direction d per input, where f(*inputs) returns a tuple of outputs, `cotangents` (w) one
    per output and `vjp` one cotangent per input (None: skipped). Returns the worst relative
    error."""
    rng = np.random.default_rng(seed)
    worst = 0.0

    def inner(outs):
        return sum(float(np.sum(_f64(o) * c)) for o, c in zip(outs, cotangents) if c is not None)

    for i, grad in enumerate(vjp):
        if grad is None:
            continue
        d = rng.standard_normal(np.shape(inputs[i]))
        plus = list(inputs)
        minus = list(inputs)
        plus[i] = _f64(inputs[i]) + eps * d
        minus[i] = _f64(inputs[i]) - eps * d
        fd = (inner(f(*plus)) - inner(f(*minus))) / (2 * eps)
        an = float(np.sum(grad * d))
        worst = max(worst, abs(fd - an) / max(abs(fd), abs(an), 1e-12))
    return worst
