# RUN: %python %s
"""zen.moe_router and zen.moe against test/reference/ops.py: top-k = 1, 2 and
k = E, norm_topk_prob on and off, with and without the Qwen3-Next shared
expert, dynamic batch/sequence dims (including T = 1), a single token [H], a
dynamic expert count, in f32 (tight) and bf16.

The routing is made unambiguous by construction: every token's router logits
are a permutation of E levels 1.0 apart, so rounding the logits to bf16 (HF's
router is a bf16 nn.Linear; the float64 reference does not round) cannot swap
two experts. Exact ties are tested separately: duplicated router rows and an
all-zero token must pick the lower expert index first, as the reference's
stable sort does.

Tolerances (max|d| / max|ref|): f32 1e-5 (measured <= 4e-7). bf16: 1e-2 for
the router weights (the logits carry one bf16 rounding, |logit| <= 3, so up
to ~2^-9 * 3 relative in p; measured <= 2.3e-3) and 2e-2 for the MoE output
(about eight bf16 roundings in a row: three projections, SiLU, product,
routing weight, weighted product, each add; measured <= 6.5e-3).
"""

import numpy as np

from reference import ops
from zen_exec import Kernel, from_bf16, to_bf16

E, H, I, IS = 6, 16, 12, 10

MODULE = """
func.func @router_k2_norm(%x: tensor<?x?x16x{T}>, %r: tensor<6x16x{T}>)
    -> (tensor<?x?x2xf32>, tensor<?x?x2xi64>) {{
  %w, %i = zen.moe_router %x, %r {{norm_topk_prob, top_k = 2 : i64}}
      : tensor<?x?x16x{T}>, tensor<6x16x{T}>
  return %w, %i : tensor<?x?x2xf32>, tensor<?x?x2xi64>
}}
func.func @router_k1(%x: tensor<?x16x{T}>, %r: tensor<6x16x{T}>)
    -> (tensor<?x1xf32>, tensor<?x1xi64>) {{
  %w, %i = zen.moe_router %x, %r {{top_k = 1 : i64}} : tensor<?x16x{T}>, tensor<6x16x{T}>
  return %w, %i : tensor<?x1xf32>, tensor<?x1xi64>
}}
func.func @router_kE(%x: tensor<?x16x{T}>, %r: tensor<6x16x{T}>)
    -> (tensor<?x6xf32>, tensor<?x6xi64>) {{
  %w, %i = zen.moe_router %x, %r {{top_k = 6 : i64}} : tensor<?x16x{T}>, tensor<6x16x{T}>
  return %w, %i : tensor<?x6xf32>, tensor<?x6xi64>
}}
func.func @moe_k2_norm(%x: tensor<?x?x16x{T}>, %r: tensor<6x16x{T}>, %g: tensor<6x12x16x{T}>,
    %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>) -> tensor<?x?x16x{T}> {{
  %y = zen.moe %x, %r, %g, %u, %d {{norm_topk_prob, top_k = 2 : i64}}
      : tensor<?x?x16x{T}>, tensor<6x16x{T}>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>
  return %y : tensor<?x?x16x{T}>
}}
func.func @moe_k1(%x: tensor<?x16x{T}>, %r: tensor<6x16x{T}>, %g: tensor<6x12x16x{T}>,
    %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>) -> tensor<?x16x{T}> {{
  %y = zen.moe %x, %r, %g, %u, %d {{top_k = 1 : i64}}
      : tensor<?x16x{T}>, tensor<6x16x{T}>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>
  return %y : tensor<?x16x{T}>
}}
func.func @moe_kE_shared_norm(%x: tensor<?x?x16x{T}>, %r: tensor<6x16x{T}>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %sg: tensor<10x16x{T}>, %su: tensor<10x16x{T}>, %sd: tensor<16x10x{T}>,
    %seg: tensor<1x16x{T}>) -> tensor<?x?x16x{T}> {{
  %y = zen.moe %x, %r, %g, %u, %d shared(%sg, %su, %sd, %seg) {{norm_topk_prob, top_k = 6 : i64}}
      : tensor<?x?x16x{T}>, tensor<6x16x{T}>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>, tensor<10x16x{T}>, tensor<10x16x{T}>, tensor<16x10x{T}>,
        tensor<1x16x{T}>
  return %y : tensor<?x?x16x{T}>
}}
func.func @moe_k3_shared(%x: tensor<?x16x{T}>, %r: tensor<6x16x{T}>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %sg: tensor<10x16x{T}>, %su: tensor<10x16x{T}>, %sd: tensor<16x10x{T}>,
    %seg: tensor<1x16x{T}>) -> tensor<?x16x{T}> {{
  %y = zen.moe %x, %r, %g, %u, %d shared(%sg, %su, %sd, %seg) {{top_k = 3 : i64}}
      : tensor<?x16x{T}>, tensor<6x16x{T}>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>, tensor<10x16x{T}>, tensor<10x16x{T}>, tensor<16x10x{T}>,
        tensor<1x16x{T}>
  return %y : tensor<?x16x{T}>
}}
func.func @moe_single_token_shared(%x: tensor<16x{T}>, %r: tensor<6x16x{T}>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %sg: tensor<10x16x{T}>, %su: tensor<10x16x{T}>, %sd: tensor<16x10x{T}>,
    %seg: tensor<1x16x{T}>) -> tensor<16x{T}> {{
  %y = zen.moe %x, %r, %g, %u, %d shared(%sg, %su, %sd, %seg) {{norm_topk_prob, top_k = 2 : i64}}
      : tensor<16x{T}>, tensor<6x16x{T}>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>, tensor<10x16x{T}>, tensor<10x16x{T}>, tensor<16x10x{T}>,
        tensor<1x16x{T}>
  return %y : tensor<16x{T}>
}}
func.func @moe_dyn_experts(%x: tensor<?x16x{T}>, %r: tensor<?x16x{T}>, %g: tensor<?x12x16x{T}>,
    %u: tensor<?x12x16x{T}>, %d: tensor<?x16x12x{T}>) -> tensor<?x16x{T}> {{
  %y = zen.moe %x, %r, %g, %u, %d {{top_k = 2 : i64}}
      : tensor<?x16x{T}>, tensor<?x16x{T}>, tensor<?x12x16x{T}>, tensor<?x12x16x{T}>,
        tensor<?x16x12x{T}>
  return %y : tensor<?x16x{T}>
}}
"""


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def routed_inputs(rng, lead, router):
    """Tokens whose router logits x·routerᵀ are a random permutation of E
    levels spaced 1.0 apart (router rows orthonormal), plus a component
    orthogonal to the router rows that only the experts see."""
    q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    rows = q[:, :E].T                                # [E, H] orthonormal rows
    router[...] = rows
    n = int(np.prod(lead))
    levels = np.linspace(-2.5, 2.5, E)
    logits = np.stack([rng.permutation(levels) for _ in range(n)])
    rest = rng.standard_normal((n, H)) @ q[:, E:] @ q[:, E:].T
    return (logits @ rows + rest).reshape(*lead, H).astype(np.float32)


def check(dtype):
    kernel = Kernel(MODULE.format(T=dtype))
    rng = np.random.default_rng(7)
    router = np.zeros((E, H))
    x3 = routed_inputs(rng, (2, 5), router)
    x3_t1 = routed_inputs(rng, (3, 1), router)       # T = 1
    x2 = routed_inputs(rng, (7,), router)
    x2_one = routed_inputs(rng, (1,), router)        # a single token
    router = router.astype(np.float32)
    std = 0.3
    g = (std * rng.standard_normal((E, I, H))).astype(np.float32)
    u = (std * rng.standard_normal((E, I, H))).astype(np.float32)
    d = (std * rng.standard_normal((E, H, I))).astype(np.float32)
    sg = (std * rng.standard_normal((IS, H))).astype(np.float32)
    su = (std * rng.standard_normal((IS, H))).astype(np.float32)
    sd = (std * rng.standard_normal((H, IS))).astype(np.float32)
    seg = (std * rng.standard_normal((1, H))).astype(np.float32)
    arrays = [x3, x3_t1, x2, x2_one, router, g, u, d, sg, su, sd, seg]
    if dtype == "bf16":
        # Round the inputs first, so both sides see the same values.
        arrays = [from_bf16(to_bf16(t)) for t in arrays]
        enc, dec, out = to_bf16, from_bf16, np.uint16
        tol_router, tol_moe = 1e-2, 2e-2
    else:
        enc, dec, out = (lambda t: t), (lambda t: t), np.float32
        tol_router, tol_moe = 1e-5, 1e-5
    x3, x3_t1, x2, x2_one, router, g, u, d, sg, su, sd, seg = arrays
    shared = [sg, su, sd, seg]

    router_cases = [
        ("router_k2_norm", x3, 2, True), ("router_k2_norm", x3_t1, 2, True),
        ("router_k1", x2, 1, False), ("router_k1", x2_one, 1, False),
        ("router_kE", x2, E, False),
    ]
    for name, x, k, norm in router_cases:
        ref_w, ref_i = ops.moe_router(x, router, k, norm)
        got_w, got_i = kernel.call(name, [enc(x), enc(router)],
                                   [(np.float32, x.ndim), (np.int64, x.ndim)])
        assert np.array_equal(got_i, ref_i), f"{name} {dtype} {x.shape}: indices\n{got_i}\n{ref_i}"
        err = rel_err(got_w, ref_w)
        assert err <= tol_router, f"{name} {dtype} {x.shape}: weights {err:.3g} > {tol_router}"
        print(f"{name} {dtype} {x.shape}: {err:.2e}")

    # Exact ties: experts 1 and 4 share a router row, 2 and 3 another; an
    # all-zero token ties every expert. Lower indices come first.
    tied = router.copy()
    tied[4] = tied[1]
    tied[3] = tied[2]
    x_tied = np.concatenate([x2[:3], np.zeros((1, H), np.float32)])
    ref_w, ref_i = ops.moe_router(x_tied, tied, E, False)
    assert list(ref_i[-1]) == list(range(E))
    got_w, got_i = kernel.call("router_kE", [enc(x_tied), enc(tied)],
                               [(np.float32, 2), (np.int64, 2)])
    assert np.array_equal(got_i, ref_i), f"ties {dtype}: indices\n{got_i}\n{ref_i}"
    err = rel_err(got_w, ref_w)
    assert err <= tol_router, f"ties {dtype}: weights {err:.3g}"
    print(f"router ties {dtype}: {err:.2e}")

    moe_cases = [
        ("moe_k2_norm", x3, 2, True, False), ("moe_k2_norm", x3_t1, 2, True, False),
        ("moe_k1", x2, 1, False, False), ("moe_k1", x2_one, 1, False, False),
        ("moe_kE_shared_norm", x3, E, True, True),
        ("moe_kE_shared_norm", x3_t1, E, True, True),
        ("moe_k3_shared", x2, 3, False, True),
        ("moe_single_token_shared", x2_one[0], 2, True, True),   # x: [H]
        ("moe_dyn_experts", x2, 2, False, False),                # E dynamic
    ]
    for name, x, k, norm, has_shared in moe_cases:
        inputs = [x, router, g, u, d] + (shared if has_shared else [])
        ref = ops.moe(x, router, g, u, d, k, norm, *(shared if has_shared else []))
        (got,) = kernel.call(name, [enc(t) for t in inputs], [(out, x.ndim)])
        err = rel_err(dec(got), ref)
        assert err <= tol_moe, f"{name} {dtype} {x.shape}: {err:.3g} > {tol_moe}"
        print(f"{name} {dtype} {x.shape}: {err:.2e}")


check("f32")
check("bf16")
