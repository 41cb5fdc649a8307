"""Numpy backward (vector-Jacobian products) of the MoE router and block.

Written from the forward math of arch §2.5 (test/reference/ops.py: moe_router, moe), as torch
autograd differentiates HF's Qwen3MoeSparseMoeBlock / Qwen3NextSparseMoeBlock: the top-k INDICES
are piecewise constant (no gradient); gradients flow through the selected routing weights
(softmax over all experts, then the optional renormalisation) into the router logits, through
each selected expert's SwiGLU, and through the shared expert and its sigmoid gate. float64.

The split follows Zen's backward ops:
    moe_router_vjp  cotangent of the routing weights -> (d input, d router_w)
                    (zen.moe_router_grad)
    moe_experts_vjp cotangent of the block output, given the routing -> d input (experts and
                    shared expert), d routing weights, d expert weights, d shared weights
                    (zen.moe_grad)
    moe_vjp         the whole block: the two above, d input summed.
"""

import numpy as np

from reference import ops

F64 = np.float64


def _f64(x):
    return np.asarray(x, dtype=F64)


def _silu_grad(g):
    """d silu(g) / dg = σ(g) (1 + g (1 - σ(g)))."""
    s = ops.sigmoid(g)
    return s * (1.0 + g * (1.0 - s))


def _swiglu_vjp(x, gate_w, up_w, down_w, dout):
    """SwiGLU y = (silu(x Wgᵀ) * (x Wuᵀ)) Wdᵀ on rows x [n, H], cotangent dout [n, H].
    Returns (dx [n, H], dWg [I, H], dWu [I, H], dWd [H, I])."""
    g, u = x @ gate_w.T, x @ up_w.T
    a = ops.silu(g)
    h = a * u
    dh = dout @ down_w
    du = dh * a
    dg = dh * u * _silu_grad(g)
    return dg @ gate_w + du @ up_w, dg.T @ x, du.T @ x, dout.T @ h


def moe_router_vjp(x, router_w, indices, dweights, norm_topk_prob):
    """VJP of moe_router(x, router_w) w.r.t. x [..., H] and router_w [E, H] for the cotangent
    dweights [..., k] of its weights, the selection `indices` [..., k] held fixed.

        p = softmax(x Wrᵀ), q = p[idx];  w = q (or q / Σq)
        dq = dw  (or (dw - Σ dw w) / Σq);  dp = scatter(dq at idx)
        dlogits = p (dp - Σ_e dp_e p_e);   dx = dlogits Wr;  dWr = Σ_tokens dlogitsᵀ x
    """
    x, router_w = _f64(x), _f64(router_w)
    lead, H = x.shape[:-1], x.shape[-1]
    xf = x.reshape(-1, H)
    k = indices.shape[-1]
    idx = np.asarray(indices).reshape(-1, k)
    dw = _f64(dweights).reshape(-1, k)
    p = ops.softmax(xf @ router_w.T, axis=-1)
    q = np.take_along_axis(p, idx, axis=-1)
    if norm_topk_prob:
        s = q.sum(-1, keepdims=True)
        w = q / s
        dq = (dw - np.sum(dw * w, -1, keepdims=True)) / s
    else:
        dq = dw
    dp = np.zeros_like(p)
    np.put_along_axis(dp, idx, dq, axis=-1)
    dlogits = p * (dp - np.sum(dp * p, -1, keepdims=True))
    return (dlogits @ router_w).reshape(*lead, H), dlogits.T @ xf


def moe_experts_vjp(x, weights, indices, gate_w, up_w, down_w, dy, shared_gate_w=None,
                    shared_up_w=None, shared_down_w=None, shared_expert_gate_w=None):
    """VJP of out = Σ_slots w * SwiGLU_e(x) (+ σ(x Wsgᵀ) SwiGLU_shared(x)) w.r.t. x, the
    routing weights w [..., k] (given, with their fixed `indices`), the stacked expert weights
    and the shared ones, for the cotangent dy [..., H]. Returns a dict with keys input,
    weights, gate_w, up_w, down_w (and shared_gate_w, shared_up_w, shared_down_w,
    shared_expert_gate_w with a shared expert)."""
    x, dy = _f64(x), _f64(dy)
    lead, H = x.shape[:-1], x.shape[-1]
    xf, dyf = x.reshape(-1, H), dy.reshape(-1, H)
    k = indices.shape[-1]
    idx = np.asarray(indices).reshape(-1, k)
    w = _f64(weights).reshape(-1, k)
    gate_w, up_w, down_w = _f64(gate_w), _f64(up_w), _f64(down_w)
    dx = np.zeros_like(xf)
    dw = np.zeros_like(w)
    dG, dU, dD = np.zeros_like(gate_w), np.zeros_like(up_w), np.zeros_like(down_w)
    for e in range(gate_w.shape[0]):
        tok, slot = np.nonzero(idx == e)
        if tok.size == 0:
            continue
        xe = xf[tok]
        out_e = ops.mlp(xe, gate_w[e], up_w[e], down_w[e])
        dw[tok, slot] = np.sum(dyf[tok] * out_e, -1)
        dxe, dG[e], dU[e], dD[e] = _swiglu_vjp(xe, gate_w[e], up_w[e], down_w[e],
                                               dyf[tok] * w[tok, slot][:, None])
        np.add.at(dx, tok, dxe)
    grads = dict(input=dx, weights=dw.reshape(weights.shape), gate_w=dG, up_w=dU, down_w=dD)
    if shared_gate_w is not None:
        sg, su, sd, seg = (_f64(t) for t in (shared_gate_w, shared_up_w, shared_down_w,
                                              shared_expert_gate_w))
        s = ops.mlp(xf, sg, su, sd)
        sig = ops.sigmoid(xf @ seg.T)                     # [N, 1]
        dlogit = np.sum(dyf * s, -1, keepdims=True) * sig * (1.0 - sig)
        dxs, dsg, dsu, dsd = _swiglu_vjp(xf, sg, su, sd, dyf * sig)
        dx += dxs + dlogit @ seg
        grads.update(shared_gate_w=dsg, shared_up_w=dsu, shared_down_w=dsd,
                     shared_expert_gate_w=dlogit.T @ xf)
    grads["input"] = dx.reshape(*lead, H)
    return grads


def moe_vjp(x, router_w, gate_w, up_w, down_w, top_k, norm_topk_prob, dy, shared_gate_w=None,
            shared_up_w=None, shared_down_w=None, shared_expert_gate_w=None):
    """VJP of ops.moe w.r.t. every float operand: a dict keyed by operand name (input,
    router_w, gate_w, up_w, down_w, shared_*)."""
    w, idx = ops.moe_router(x, router_w, top_k, norm_topk_prob)
    grads = moe_experts_vjp(x, w, idx, gate_w, up_w, down_w, dy, shared_gate_w, shared_up_w,
                            shared_down_w, shared_expert_gate_w)
    dx_router, d_router = moe_router_vjp(x, router_w, idx, grads.pop("weights"),
                                         norm_topk_prob)
    grads["input"] = grads["input"] + dx_router
    grads["router_w"] = d_router
    return grads
