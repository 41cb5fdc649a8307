# RUN: %python %s
"""zen.moe_router_grad and zen.moe_grad against the numpy backward of
test/reference/grads_moe.py, which this test first checks against float64
central differences of the forward reference (test/reference/ops.py).

Covered: norm_topk_prob on and off, k = 1, 2 and k = E, with and without the
Qwen3-Next shared expert, every gradient and subsets of them (LoRA: input and
routing-weight gradients only; only weight gradients), experts no token
picks (their weight gradients must be exactly zero), dynamic batch/sequence
dims with T = 1, a single token [H], a dynamic expert count; f32 and bf16.

The backward ops take the routing as operands, so their parity needs no
routing margins: indices are drawn freely (distinct per token, never experts
3 and 5), and the weights are arbitrary. The finite-difference check of the
numpy backward goes through the top-k and uses tokens whose router logits
are E levels 1.0 apart (as parity/moe.py does), far above the FD step.

The op sequence MoEOpsVJP.cpp builds for zen.moe (zen.moe_router, zen.moe_grad,
zen.moe_router_grad, input gradients added) is also checked whole against
grads_moe.moe_vjp.

Tolerances (max|d| / max|ref| per gradient): f32 1e-5 (measured <= 4e-7);
bf16 3e-2 (inputs rounded to bf16 on both sides, each gradient rounded to
bf16 once, and the router logits rounded to bf16 as HF's router does while
the reference keeps them exact; measured <= 3.4e-3, except 1.7e-2 for the
router weight with k = E renormalised, whose gradient nearly cancels).
FD of the numpy backward: 1e-6 relative (measured <= 3e-9).
"""

import numpy as np

from reference import grads_moe, ops
from zen_exec import Kernel, from_bf16, to_bf16

E, H, I, IS = 6, 16, 12, 10

SIG = "tensor<6x12x16x{T}>, tensor<6x12x16x{T}>, tensor<6x16x12x{T}>"
SHARED_SIG = "tensor<10x16x{T}>, tensor<10x16x{T}>, tensor<16x10x{T}>, tensor<1x16x{T}>"

MODULE = """
func.func @router_grad_norm(%x: tensor<?x?x16x{T}>, %r: tensor<6x16x{T}>,
    %i: tensor<?x?x2xi64>, %dw: tensor<?x?x2xf32>) -> (tensor<?x?x16x{T}>, tensor<6x16x{T}>) {{
  %dx, %dr = zen.moe_router_grad %x, %r, %i, %dw {{norm_topk_prob}}
      : tensor<?x?x16x{T}>, tensor<6x16x{T}>, tensor<?x?x2xi64>, tensor<?x?x2xf32>
      -> input_grad tensor<?x?x16x{T}> router_w_grad tensor<6x16x{T}>
  return %dx, %dr : tensor<?x?x16x{T}>, tensor<6x16x{T}>
}}
func.func @router_grad_k1(%x: tensor<?x16x{T}>, %r: tensor<?x16x{T}>,
    %i: tensor<?x1xi64>, %dw: tensor<?x1xf32>) -> (tensor<?x16x{T}>, tensor<?x16x{T}>) {{
  %dx, %dr = zen.moe_router_grad %x, %r, %i, %dw
      : tensor<?x16x{T}>, tensor<?x16x{T}>, tensor<?x1xi64>, tensor<?x1xf32>
      -> input_grad tensor<?x16x{T}> router_w_grad tensor<?x16x{T}>
  return %dx, %dr : tensor<?x16x{T}>, tensor<?x16x{T}>
}}
func.func @router_grad_kE_router_only(%x: tensor<16x{T}>, %r: tensor<6x16x{T}>,
    %i: tensor<6xi64>, %dw: tensor<6xf32>) -> tensor<6x16x{T}> {{
  %dr = zen.moe_router_grad %x, %r, %i, %dw {{norm_topk_prob}}
      : tensor<16x{T}>, tensor<6x16x{T}>, tensor<6xi64>, tensor<6xf32>
      -> router_w_grad tensor<6x16x{T}>
  return %dr : tensor<6x16x{T}>
}}
func.func @moe_grad_all(%x: tensor<?x?x16x{T}>, %w: tensor<?x?x2xf32>, %i: tensor<?x?x2xi64>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %dy: tensor<?x?x16x{T}>)
    -> (tensor<?x?x16x{T}>, tensor<?x?x2xf32>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>) {{
  %r:5 = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy
      : tensor<?x?x16x{T}>, tensor<?x?x2xf32>, tensor<?x?x2xi64>, {SIG}, tensor<?x?x16x{T}>
      -> input_grad tensor<?x?x16x{T}> weights_grad tensor<?x?x2xf32>
         gate_w_grad tensor<6x12x16x{T}> up_w_grad tensor<6x12x16x{T}>
         down_w_grad tensor<6x16x12x{T}>
  return %r#0, %r#1, %r#2, %r#3, %r#4 : tensor<?x?x16x{T}>, tensor<?x?x2xf32>,
      tensor<6x12x16x{T}>, tensor<6x12x16x{T}>, tensor<6x16x12x{T}>
}}
func.func @moe_grad_lora(%x: tensor<?x?x16x{T}>, %w: tensor<?x?x2xf32>, %i: tensor<?x?x2xi64>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %dy: tensor<?x?x16x{T}>) -> (tensor<?x?x16x{T}>, tensor<?x?x2xf32>) {{
  %dx, %dw = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy
      : tensor<?x?x16x{T}>, tensor<?x?x2xf32>, tensor<?x?x2xi64>, {SIG}, tensor<?x?x16x{T}>
      -> input_grad tensor<?x?x16x{T}> weights_grad tensor<?x?x2xf32>
  return %dx, %dw : tensor<?x?x16x{T}>, tensor<?x?x2xf32>
}}
func.func @moe_grad_shared_all(%x: tensor<?x16x{T}>, %w: tensor<?x3xf32>, %i: tensor<?x3xi64>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %dy: tensor<?x16x{T}>, %sg: tensor<10x16x{T}>, %su: tensor<10x16x{T}>,
    %sd: tensor<16x10x{T}>, %seg: tensor<1x16x{T}>)
    -> (tensor<?x16x{T}>, tensor<?x3xf32>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>, tensor<10x16x{T}>, tensor<10x16x{T}>, tensor<16x10x{T}>,
        tensor<1x16x{T}>) {{
  %r:9 = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg)
      : tensor<?x16x{T}>, tensor<?x3xf32>, tensor<?x3xi64>, {SIG}, tensor<?x16x{T}>, {SHARED_SIG}
      -> input_grad tensor<?x16x{T}> weights_grad tensor<?x3xf32>
         gate_w_grad tensor<6x12x16x{T}> up_w_grad tensor<6x12x16x{T}>
         down_w_grad tensor<6x16x12x{T}> shared_gate_w_grad tensor<10x16x{T}>
         shared_up_w_grad tensor<10x16x{T}> shared_down_w_grad tensor<16x10x{T}>
         shared_expert_gate_w_grad tensor<1x16x{T}>
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5, %r#6, %r#7, %r#8
      : tensor<?x16x{T}>, tensor<?x3xf32>, tensor<6x12x16x{T}>, tensor<6x12x16x{T}>,
        tensor<6x16x12x{T}>, tensor<10x16x{T}>, tensor<10x16x{T}>, tensor<16x10x{T}>,
        tensor<1x16x{T}>
}}
func.func @moe_grad_shared_input_only(%x: tensor<16x{T}>, %w: tensor<2xf32>, %i: tensor<2xi64>,
    %g: tensor<6x12x16x{T}>, %u: tensor<6x12x16x{T}>, %d: tensor<6x16x12x{T}>,
    %dy: tensor<16x{T}>, %sg: tensor<10x16x{T}>, %su: tensor<10x16x{T}>,
    %sd: tensor<16x10x{T}>, %seg: tensor<1x16x{T}>) -> tensor<16x{T}> {{
  %dx = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg)
      : tensor<16x{T}>, tensor<2xf32>, tensor<2xi64>, {SIG}, tensor<16x{T}>, {SHARED_SIG}
      -> input_grad tensor<16x{T}>
  return %dx : tensor<16x{T}>
}}
func.func @moe_grad_weights_only_dyn_experts(%x: tensor<?x16x{T}>, %w: tensor<?x2xf32>,
    %i: tensor<?x2xi64>, %g: tensor<?x12x16x{T}>, %u: tensor<?x12x16x{T}>,
    %d: tensor<?x16x12x{T}>, %dy: tensor<?x16x{T}>)
    -> (tensor<?x12x16x{T}>, tensor<?x12x16x{T}>, tensor<?x16x12x{T}>) {{
  %r:3 = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy
      : tensor<?x16x{T}>, tensor<?x2xf32>, tensor<?x2xi64>, tensor<?x12x16x{T}>,
        tensor<?x12x16x{T}>, tensor<?x16x12x{T}>, tensor<?x16x{T}>
      -> gate_w_grad tensor<?x12x16x{T}> up_w_grad tensor<?x12x16x{T}>
         down_w_grad tensor<?x16x12x{T}>
  return %r#0, %r#1, %r#2 : tensor<?x12x16x{T}>, tensor<?x12x16x{T}>, tensor<?x16x12x{T}>
}}
"""

# The op sequence MoEOpsVJP.cpp builds for zen.moe (routing recomputed by
# zen.moe_router, then zen.moe_grad, then zen.moe_router_grad on the routing
# weights' cotangent, input gradients summed), checked whole against
# grads_moe.moe_vjp (f32 only).
COMPOSED = """
func.func @moe_vjp(%x: tensor<?x16xf32>, %r: tensor<6x16xf32>, %g: tensor<6x12x16xf32>,
    %u: tensor<6x12x16xf32>, %d: tensor<6x16x12xf32>, %sg: tensor<10x16xf32>,
    %su: tensor<10x16xf32>, %sd: tensor<16x10xf32>, %seg: tensor<1x16xf32>,
    %dy: tensor<?x16xf32>)
    -> (tensor<?x16xf32>, tensor<6x16xf32>, tensor<6x12x16xf32>, tensor<6x12x16xf32>,
        tensor<6x16x12xf32>, tensor<10x16xf32>, tensor<10x16xf32>, tensor<16x10xf32>,
        tensor<1x16xf32>) {
  %w, %i = zen.moe_router %x, %r {norm_topk_prob, top_k = 2 : i64}
      : tensor<?x16xf32>, tensor<6x16xf32>
  %m:9 = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg)
      : tensor<?x16xf32>, tensor<?x2xf32>, tensor<?x2xi64>, tensor<6x12x16xf32>,
        tensor<6x12x16xf32>, tensor<6x16x12xf32>, tensor<?x16xf32>, tensor<10x16xf32>,
        tensor<10x16xf32>, tensor<16x10xf32>, tensor<1x16xf32>
      -> input_grad tensor<?x16xf32> weights_grad tensor<?x2xf32>
         gate_w_grad tensor<6x12x16xf32> up_w_grad tensor<6x12x16xf32>
         down_w_grad tensor<6x16x12xf32> shared_gate_w_grad tensor<10x16xf32>
         shared_up_w_grad tensor<10x16xf32> shared_down_w_grad tensor<16x10xf32>
         shared_expert_gate_w_grad tensor<1x16xf32>
  %dxr, %dr = zen.moe_router_grad %x, %r, %i, %m#1 {norm_topk_prob}
      : tensor<?x16xf32>, tensor<6x16xf32>, tensor<?x2xi64>, tensor<?x2xf32>
      -> input_grad tensor<?x16xf32> router_w_grad tensor<6x16xf32>
  %dx = arith.addf %m#0, %dxr : tensor<?x16xf32>
  return %dx, %dr, %m#2, %m#3, %m#4, %m#5, %m#6, %m#7, %m#8
      : tensor<?x16xf32>, tensor<6x16xf32>, tensor<6x12x16xf32>, tensor<6x12x16xf32>,
        tensor<6x16x12xf32>, tensor<10x16xf32>, tensor<10x16xf32>, tensor<16x10xf32>,
        tensor<1x16xf32>
}
"""

NAMES = ["input", "weights", "gate_w", "up_w", "down_w", "shared_gate_w", "shared_up_w",
         "shared_down_w", "shared_expert_gate_w"]


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def routed_inputs(rng, lead, router):
    """Tokens whose router logits are a random permutation of E levels 1.0 apart (router rows
    orthonormal), plus a component orthogonal to the router rows (see parity/moe.py)."""
    q, _ = np.linalg.qr(rng.standard_normal((H, H)))
    rows = q[:, :E].T
    router[...] = rows
    n = int(np.prod(lead))
    logits = np.stack([rng.permutation(np.linspace(-2.5, 2.5, E)) for _ in range(n)])
    rest = rng.standard_normal((n, H)) @ q[:, E:] @ q[:, E:].T
    return (logits @ rows + rest).reshape(*lead, H)


def fd_check_reference(rng):
    """Central differences (float64) of <dy, ops.moe(...)> against grads_moe.moe_vjp, along
    random directions, for every operand; the routing margins (1.0 between logits) exceed
    the step by far, so the top-k selection does not change."""
    router = np.zeros((E, H))
    x = routed_inputs(rng, (2, 3), router)
    ws = [0.3 * rng.standard_normal(s) for s in [(E, I, H), (E, I, H), (E, H, I), (IS, H),
                                                 (IS, H), (H, IS), (1, H)]]
    dy = rng.standard_normal(x.shape)
    for k, norm, shared in [(2, True, True), (2, False, False), (1, False, True),
                            (E, True, False)]:
        args = [x, router] + ws[:3] + (ws[3:] if shared else [])
        names = ["input", "router_w", "gate_w", "up_w", "down_w"] + (NAMES[5:] if shared
                                                                      else [])

        def f(a):
            return np.sum(dy * ops.moe(*a[:5], k, norm, *a[5:]))

        grads = grads_moe.moe_vjp(*args[:5], k, norm, dy, *args[5:])
        worst = 0.0
        for n, (name, v) in enumerate(zip(names, args)):
            d = rng.standard_normal(v.shape)
            h = 1e-6
            plus, minus = list(args), list(args)
            plus[n], minus[n] = v + h * d, v - h * d
            fd = (f(plus) - f(minus)) / (2 * h)
            an = float(np.sum(grads[name] * d))
            worst = max(worst, abs(fd - an) / max(abs(fd), abs(an), 1e-12))
        assert worst <= 1e-6, f"numpy backward vs FD (k={k} norm={norm} shared={shared}): {worst:.3g}"
        print(f"reference FD k={k} norm={norm} shared={shared}: {worst:.2e}")


def check_composed(rng):
    kernel = Kernel(COMPOSED)
    router = np.zeros((E, H))
    x = routed_inputs(rng, (9,), router).astype(np.float32)
    router = router.astype(np.float32)
    ws = [(0.3 * rng.standard_normal(s)).astype(np.float32)
          for s in [(E, I, H), (E, I, H), (E, H, I), (IS, H), (IS, H), (H, IS), (1, H)]]
    dy = rng.standard_normal(x.shape).astype(np.float32)
    ref = grads_moe.moe_vjp(x, router, *ws[:3], 2, True, dy, *ws[3:])
    names = ["input", "router_w", "gate_w", "up_w", "down_w"] + NAMES[5:]
    got = kernel.call("moe_vjp", [x, router] + ws + [dy],
                      [(np.float32, ref[n].ndim) for n in names])
    errs = []
    for n, g in zip(names, got):
        err = rel_err(g, ref[n])
        assert err <= 1e-5, f"composed VJP {n}: {err:.3g}"
        errs.append(f"{n} {err:.2e}")
    print("composed moe VJP f32: " + " ".join(errs))


def distinct_indices(rng, lead, k, allowed):
    n = int(np.prod(lead))
    return np.stack([rng.choice(allowed, k, replace=False) for _ in range(n)]).reshape(
        *lead, k).astype(np.int64)


def check(dtype):
    kernel = Kernel(MODULE.format(T=dtype, SIG=SIG.format(T=dtype),
                                  SHARED_SIG=SHARED_SIG.format(T=dtype)))
    rng = np.random.default_rng(11)
    f32 = np.float32
    std = 0.3
    router = (0.5 * rng.standard_normal((E, H))).astype(f32)
    g, u = (std * rng.standard_normal((2, E, I, H))).astype(f32)
    d = (std * rng.standard_normal((E, H, I))).astype(f32)
    shared = [(std * rng.standard_normal(s)).astype(f32)
              for s in [(IS, H), (IS, H), (H, IS), (1, H)]]
    if dtype == "bf16":
        rnd = lambda t: from_bf16(to_bf16(t))
        enc, dec, out, tol = to_bf16, from_bf16, np.uint16, 3e-2
    else:
        rnd = enc = dec = lambda t: t
        out, tol = f32, 1e-5
    router, g, u, d = rnd(router), rnd(g), rnd(u), rnd(d)
    shared = [rnd(s) for s in shared]

    def data(lead, k, allowed=(0, 1, 2, 4)):
        x = rnd(rng.standard_normal((*lead, H)).astype(f32))
        dy = rnd(rng.standard_normal((*lead, H)).astype(f32))
        idx = distinct_indices(rng, lead, k, list(allowed))
        w = rng.uniform(0.1, 1.0, (*lead, k)).astype(f32)
        return x, dy, idx, w

    def compare(name, got, ref, label):
        err = rel_err(got, ref)
        assert err <= tol, f"{name} {dtype} {label}: {err:.3g} > {tol}"
        return err

    # Router backward: the cotangent of the weights, indices fixed.
    for name, lead, k, norm, wants, dyn_e in [
            ("router_grad_norm", (2, 5), 2, True, ["input", "router_w"], False),
            ("router_grad_norm", (3, 1), 2, True, ["input", "router_w"], False),   # T = 1
            ("router_grad_k1", (7,), 1, False, ["input", "router_w"], True),
            ("router_grad_kE_router_only", (), E, True, ["router_w"], False)]:
        x, _, idx, _ = data(lead, k, allowed=range(E))
        dw = rng.standard_normal((*lead, k)).astype(f32)
        ref_dx, ref_dr = grads_moe.moe_router_vjp(x, router, idx, dw, norm)
        ref = {"input": ref_dx, "router_w": ref_dr}
        results = [(out, x.ndim) if w == "input" else (out, 2) for w in wants]
        got = kernel.call(name, [enc(x), enc(router), idx, dw], results)
        errs = [compare(name, dec(gv), ref[w], f"{w} {x.shape}") for w, gv in zip(wants, got)]
        print(f"{name} {dtype} {x.shape}: " + " ".join(f"{w} {e:.2e}" for w, e in zip(wants, errs)))

    # Experts (and shared expert) backward, given the routing.
    cases = [("moe_grad_all", (2, 5), 2, False, NAMES[:5]),
             ("moe_grad_all", (3, 1), 2, False, NAMES[:5]),                 # T = 1
             ("moe_grad_lora", (2, 3), 2, False, NAMES[:2]),
             ("moe_grad_shared_all", (7,), 3, True, NAMES),
             ("moe_grad_shared_all", (1,), 3, True, NAMES),                 # one token
             ("moe_grad_shared_input_only", (), 2, True, NAMES[:1]),        # x: [H]
             ("moe_grad_weights_only_dyn_experts", (5,), 2, False, NAMES[2:5])]
    for name, lead, k, has_shared, wants in cases:
        x, dy, idx, w = data(lead, k)
        sh = shared if has_shared else []
        # The forward mixes the experts with the routing weights in x's dtype.
        ref = grads_moe.moe_experts_vjp(x, rnd(w), idx, g, u, d, dy, *sh)
        for unpicked in (3, 5):
            for wname in ("gate_w", "up_w", "down_w"):
                assert not ref[wname][unpicked].any()
        results = []
        for n in wants:
            shape = ref[n].shape
            results.append((f32 if n == "weights" else out, len(shape)))
        got = kernel.call(name, [enc(x), w, idx, enc(g), enc(u), enc(d), enc(dy)]
                          + [enc(s) for s in sh], results)
        errs = []
        for n, gv in zip(wants, got):
            gv = gv if n == "weights" else dec(gv)
            if n in ("gate_w", "up_w", "down_w"):
                assert not gv[[3, 5]].any(), f"{name} {dtype}: {n} of unpicked experts not zero"
            errs.append(compare(name, gv, ref[n], f"{n} {x.shape}"))
        print(f"{name} {dtype} {x.shape}: " + " ".join(f"{n} {e:.2e}" for n, e in zip(wants, errs)))


fd_check_reference(np.random.default_rng(3))
check_composed(np.random.default_rng(5))
check("f32")
check("bf16")
