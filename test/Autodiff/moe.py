# RUN: %python %s
"""Finite-difference checks of the zen.moe_router and zen.moe VJPs through
zen-differentiate (test/lib/gradcheck.py), f32.

Covered: the router alone (norm_topk_prob on and off, k = 1 and 2, T = 1),
the MoE block with norm_topk_prob on and off, with the Qwen3-Next gated
shared expert, an expert no token picks (its weight gradients must be
exactly zero), dynamic batch/sequence dims with T = 1, a single token [H],
and LoRA-style frozen experts and router (zen.no_grad: only the input
gradient, through the experts and the router).

The top-k selection is piecewise constant: the finite differences are only
meaningful while no perturbation changes it. Every token's router logits
are a permutation of E levels 0.5 apart (router rows orthonormal, as in
parity/moe.py); the checker's perturbations (h = 1e-2 times unit-variance
directions) move a logit by ~1e-2 (inputs) to ~3e-2 (router weights), far
below the margin. The inputs stay small (|x| ~ 2.5) so that the central
differences' O(h^2) error along dense directions of the expert weights,
which grows with |x|^3, stays well under the tolerance. Expert 5 always gets the lowest level, so with k < E no
token ever picks it.
"""

import numpy as np
from gradcheck import VJPKernel, check_vjp

E, H, I, IS = 6, 16, 8, 10
RTOL = 2e-3

EXPERTS = "tensor<6x8x16xf32>, tensor<6x8x16xf32>, tensor<6x16x8xf32>"
SHARED = "tensor<10x16xf32>, tensor<10x16xf32>, tensor<16x10xf32>, tensor<1x16xf32>"


def router_module(x_type, k, w_type, norm):
    attrs = f"{{{'norm_topk_prob, ' if norm else ''}top_k = {k} : i64}}"
    return f"""
func.func @f(%x: {x_type}, %r: tensor<6x16xf32>) -> {w_type}
    attributes {{zen.differentiate}} {{
  %w, %i = zen.moe_router %x, %r {attrs} : {x_type}, tensor<6x16xf32>
  return %w : {w_type}
}}
"""


def moe_module(x_type, k, norm, shared, frozen=False):
    attrs = f"{{{'norm_topk_prob, ' if norm else ''}top_k = {k} : i64}}"
    ng = " {zen.no_grad}" if frozen else ""
    args = (f"%x: {x_type}, %r: tensor<6x16xf32>{ng}, %g: tensor<6x8x16xf32>{ng}, "
            f"%u: tensor<6x8x16xf32>{ng}, %d: tensor<6x16x8xf32>{ng}")
    operands, types = "%x, %r, %g, %u, %d", f"{x_type}, tensor<6x16xf32>, {EXPERTS}"
    if shared:
        args += (", %sg: tensor<10x16xf32>, %su: tensor<10x16xf32>, "
                 "%sd: tensor<16x10xf32>, %seg: tensor<1x16xf32>")
        operands += " shared(%sg, %su, %sd, %seg)"
        types += ", " + SHARED
    return f"""
func.func @f({args}) -> {x_type} attributes {{zen.differentiate}} {{
  %y = zen.moe {operands} {attrs} : {types}
  return %y : {x_type}
}}
"""


def routed_inputs(rng, lead):
    """x [*lead, H] and router [E, H]: logits x·routerᵀ are a permutation of E levels 0.5
    apart among experts 0..4, expert 5 always lowest, plus a part orthogonal to the router."""
    q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    router = q[:, :E].T
    n = int(np.prod(lead))
    levels = np.linspace(-1.25, 1.25, E)
    logits = np.stack([np.append(rng.permutation(levels[1:]), levels[0]) for _ in range(n)])
    rest = 0.5 * rng.standard_normal((n, H)) @ q[:, E:] @ q[:, E:].T
    x = (logits @ router + rest).reshape(*lead, H)
    return x.astype(np.float32), router.astype(np.float32)


def weights(rng, shared):
    std = 0.4
    ws = [std * rng.standard_normal(s) for s in [(E, I, H), (E, I, H), (E, H, I)]]
    if shared:
        ws += [std * rng.standard_normal(s) for s in [(IS, H), (IS, H), (H, IS), (1, H)]]
    return [w.astype(np.float32) for w in ws]


def run(label, text, inputs, **kw):
    worst = check_vjp(text, "f", inputs, rtol=RTOL, verbose=False, **kw)
    print(f"{label}: worst relative error {worst:.2e}")


rng = np.random.default_rng(0)

# The router alone.
x, r = routed_inputs(rng, (2, 3))
run("router k=2 norm [2,3,H]", router_module("tensor<?x?x16xf32>", 2, "tensor<?x?x2xf32>", True),
    [x, r])
x, r = routed_inputs(rng, (3, 1))
run("router k=2 norm T=1", router_module("tensor<?x?x16xf32>", 2, "tensor<?x?x2xf32>", True),
    [x, r])
x, r = routed_inputs(rng, (5,))
run("router k=1", router_module("tensor<?x16xf32>", 1, "tensor<?x1xf32>", False), [x, r])

# The block: norm on, no shared expert (Qwen3-MoE / Coder), dynamic [B, T, H].
x, r = routed_inputs(rng, (2, 3))
run("moe k=2 norm [2,3,H]", moe_module("tensor<?x?x16xf32>", 2, True, False),
    [x, r] + weights(rng, False))
# Norm off, gated shared expert (Qwen3-Next style), tokens flattened.
x, r = routed_inputs(rng, (5,))
run("moe k=3 shared", moe_module("tensor<?x16xf32>", 3, False, True),
    [x, r] + weights(rng, True))
# T = 1 with the shared expert and renormalisation.
x, r = routed_inputs(rng, (2, 1))
run("moe k=2 norm shared T=1", moe_module("tensor<?x?x16xf32>", 2, True, True),
    [x, r] + weights(rng, True))
# A single token [H].
x, r = routed_inputs(rng, (1,))
run("moe k=2 norm shared [H]", moe_module("tensor<16xf32>", 2, True, True),
    [x[0], r] + weights(rng, True))
# LoRA: router and experts frozen, only the input gradient (through the
# experts and through the routing weights into the router logits).
x, r = routed_inputs(rng, (4,))
run("moe k=2 norm frozen experts+router", moe_module("tensor<?x16xf32>", 2, True, False, True),
    [x, r] + weights(rng, False), wrt=[0])

# The expert no token picks gets exactly zero weight gradients.
x, r = routed_inputs(rng, (2, 3))
ws = weights(rng, False)
vk = VJPKernel(moe_module("tensor<?x?x16xf32>", 2, True, False), "f")
grads = vk.vjp([x, r] + ws, [rng.standard_normal(x.shape).astype(np.float32)])
for name, g in zip(["gate_w", "up_w", "down_w"], grads[2:5]):
    assert not g[5].any(), f"{name} gradient of the unpicked expert is not zero"
    assert g[:5].any(), f"{name} gradient of the picked experts is zero"
print("unpicked expert: zero weight gradients")
