# RUN: %python %s
"""Backward ops of the Gated-DeltaNet mixer (dialects/Zen/ZenDeltaNetGradOps.td)
against the numpy VJPs of test/reference/grads_deltanet.py, which are first
checked against central finite differences of test/reference/ops.py's
forwards in float64.

Cases: causal conv1d (SiLU and none; T = 1, T < K, T = 9; K = 4 and 3),
gates (including softplus above its threshold 20), gated RMSNorm, and the
gated delta rule: Hk = 2, Hv = 4 (GQA-style head repetition), dk = 8,
dv = 12, chunk 16 with T = 37 (not a multiple) and T = 1, left padding
(leading all-zero q/k/v rows, as masked inputs give), with the L2 norm, an
initial state and a final-state cotangent, and without them (explicit
scale); B and T dynamic.

Tolerances, max|d|/max|ref| per result: f32 1e-5 for the elementwise ops and
the norms, 1e-4 for the delta rule's long recurrence (observed <= 7e-7 for
all); bf16 (inputs rounded first, one rounding of the results) 2e-2
(observed <= 3e-3)."""

import numpy as np

from reference import grads_deltanet as gd
from reference import ops
from zen_exec import Kernel, from_bf16, to_bf16

HK, HV, DK, DV = 2, 4, 8, 12
C = 6

CONV = """
func.func @conv_{name}(%x: tensor<?x?x{C}x{T}>, %w: tensor<{C}x1x{K}x{T}>, %dy: tensor<?x?x{C}x{T}>)
    -> (tensor<?x?x{C}x{T}>, tensor<{C}x1x{K}x{T}>) {{
  %dx = zen.causal_conv1d_grad %x, %w, %dy {{activation = #zen.activation<{act}>}}
      : tensor<?x?x{C}x{T}>, tensor<{C}x1x{K}x{T}>
  %dw = zen.causal_conv1d_weight_grad %x, %w, %dy {{activation = #zen.activation<{act}>}}
      : tensor<?x?x{C}x{T}>, tensor<{C}x1x{K}x{T}>
  return %dx, %dw : tensor<?x?x{C}x{T}>, tensor<{C}x1x{K}x{T}>
}}
"""

GATES = """
func.func @gates(%a: tensor<?x?x{HV}x{T}>, %b: tensor<?x?x{HV}x{T}>, %A: tensor<{HV}xf32>,
    %dt: tensor<{HV}x{T}>, %dg: tensor<?x?x{HV}xf32>, %dbeta: tensor<?x?x{HV}xf32>)
    -> (tensor<?x?x{HV}x{T}>, tensor<?x?x{HV}x{T}>, tensor<{HV}xf32>, tensor<{HV}x{T}>) {{
  %da, %db = zen.gdn_gates_grad %a, %b, %A, %dt, %dg, %dbeta
      : tensor<?x?x{HV}x{T}>, tensor<{HV}xf32>, tensor<{HV}x{T}>, tensor<?x?x{HV}xf32>
  %dA, %ddt = zen.gdn_gates_param_grad %a, %A, %dt, %dg
      : tensor<?x?x{HV}x{T}>, tensor<{HV}xf32>, tensor<{HV}x{T}>, tensor<?x?x{HV}xf32>
  return %da, %db, %dA, %ddt : tensor<?x?x{HV}x{T}>, tensor<?x?x{HV}x{T}>, tensor<{HV}xf32>, tensor<{HV}x{T}>
}}
"""

NORM = """
func.func @norm(%x: tensor<?x?x{HV}x{DV}x{T}>, %z: tensor<?x?x{HV}x{DV}x{T}>, %w: tensor<{DV}x{T}>,
    %dy: tensor<?x?x{HV}x{DV}x{T}>)
    -> (tensor<?x?x{HV}x{DV}x{T}>, tensor<?x?x{HV}x{DV}x{T}>, tensor<{DV}x{T}>) {{
  %dx, %dz = zen.gated_rms_norm_grad %x, %z, %w, %dy : tensor<?x?x{HV}x{DV}x{T}>, tensor<{DV}x{T}>
  %dw = zen.gated_rms_norm_weight_grad %x, %z, %w, %dy : tensor<?x?x{HV}x{DV}x{T}>, tensor<{DV}x{T}>
  return %dx, %dz, %dw : tensor<?x?x{HV}x{DV}x{T}>, tensor<?x?x{HV}x{DV}x{T}>, tensor<{DV}x{T}>
}}
"""

QK = "tensor<?x?x{HK}x{DK}x{T}>"
VT = "tensor<?x?x{HV}x{DV}x{T}>"
GT = "tensor<?x?x{HV}xf32>"
ST = "tensor<?x{HV}x{DK}x{DV}xf32>"
DELTA = """
func.func @delta_states(%q: QK, %k: QK, %v: VT, %g: GT, %b: GT, %do: VT, %s0: ST, %ds: ST)
    -> (QK, QK, VT, GT, GT, ST) {{
  %r:6 = zen.gated_delta_rule_grad %q, %k, %v, %g, %b, %do initial_state(%s0 : ST)
      final_state_grad(%ds : ST) {{chunk_size = 16 : i64, use_qk_l2norm}} : QK, QK, VT, GT, GT
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5 : QK, QK, VT, GT, GT, ST
}}
func.func @delta_plain(%q: QK, %k: QK, %v: VT, %g: GT, %b: GT, %do: VT) -> (QK, QK, VT, GT, GT) {{
  %r:5 = zen.gated_delta_rule_grad %q, %k, %v, %g, %b, %do {{chunk_size = 16 : i64, scale = 0.5 : f64}}
      : QK, QK, VT, GT, GT
  return %r#0, %r#1, %r#2, %r#3, %r#4 : QK, QK, VT, GT, GT
}}
""".replace("QK", QK).replace("VT", VT).replace("GT", GT).replace("ST", ST)


def module(dtype):
    text = CONV.format(name="silu4", C=C, K=4, act="silu", T=dtype)
    text += CONV.format(name="none3", C=C, K=3, act="none", T=dtype)
    text += GATES.format(HV=HV, T=dtype) + NORM.format(HV=HV, DV=DV, T=dtype)
    return text + DELTA.format(HK=HK, HV=HV, DK=DK, DV=DV, T=dtype)


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def check_reference():
    """The numpy VJPs against finite differences of the numpy forwards (float64)."""
    rng = np.random.default_rng(7)
    B, T = 2, 11
    q, k = rng.standard_normal((2, B, T, HK, DK))
    v, do = rng.standard_normal((2, B, T, HV, DV))
    g = -rng.uniform(0.05, 0.6, (B, T, HV))
    beta = rng.uniform(0.1, 0.9, (B, T, HV))
    s0, ds = rng.standard_normal((2, B, HV, DK, DV))
    q[1, :3] = k[1, :3] = v[1, :3] = 0.0         # left padding
    for l2 in (True, False):
        f = lambda *a: ops.gated_delta_rule(*a, chunk_size=4, use_qk_l2norm=l2)
        vjp = gd.gated_delta_rule_grad(q, k, v, g, beta, do, s0, ds, use_qk_l2norm=l2)
        err = gd.check_fd(f, [q, k, v, g, beta, s0], [do, ds], vjp)
        # Padded rows have k = 0, where the L2 norm's slope is 1/sqrt(1e-6):
        # the central difference's truncation error is larger there.
        assert err < 1e-4, f"numpy delta rule VJP vs finite differences: {err:.3g}"
        print(f"numpy delta rule VJP (l2norm={l2}) vs finite differences: {err:.2e}")
    x, dy = rng.standard_normal((2, B, T, C))
    w = rng.standard_normal((C, 1, 4))
    for act in ("silu", "none"):
        err = gd.check_fd(lambda x, w: (ops.causal_conv1d(x, w, activation=act)[0],),
                          [x, w], [dy], gd.causal_conv1d_grad(x, w, dy, act))
        assert err < 1e-6, f"numpy conv VJP vs finite differences: {err:.3g}"
        print(f"numpy conv VJP ({act}) vs finite differences: {err:.2e}")
    print("numpy VJPs match finite differences")


def check(dtype, tol, tol_delta):
    kernel = Kernel(module(dtype))
    rng = np.random.default_rng(3)
    if dtype == "bf16":
        rnd = lambda t: from_bf16(to_bf16(t))
        enc, dec, out = to_bf16, from_bf16, np.uint16
    else:
        rnd, enc, dec, out = (lambda t: t), (lambda t: t), (lambda t: t), np.float32
    f32 = lambda t: np.asarray(t, np.float32)

    def run(name, inputs, kinds, refs):
        # kinds: per input/result, True when it has the model dtype.
        args = [enc(f32(t)) if m else f32(t) for t, m in inputs]
        res = kernel.call(name, args, [(out if m else np.float32, np.ndim(r))
                                       for r, m in zip(refs, kinds)])
        for i, (got, ref, m) in enumerate(zip(res, refs, kinds)):
            err = rel_err(dec(got) if m else got, ref)
            limit = tol_delta if name.startswith("delta") else tol
            assert err <= limit, f"{name} result {i} {dtype}: {err:.3g} > {limit}"
            print(f"{name} result {i} {dtype}: {err:.2e}")

    for name, K, act in (("conv_silu4", 4, "silu"), ("conv_none3", 3, "none")):
        for T in (1, 2, 9):
            x, dy = (rnd(rng.standard_normal((2, T, C))) for _ in range(2))
            w = rnd(0.5 * rng.standard_normal((C, 1, K)))
            dx, dw = gd.causal_conv1d_grad(x, w, dy, act)
            run(name, [(x, True), (w, True), (dy, True)], [True, True], [dx, dw])

    a, b = (rnd(2 * rng.standard_normal((2, 5, HV))) for _ in range(2))
    a[0, 0, 0] = 24.0                             # softplus above its threshold
    A = rng.standard_normal(HV)
    dt = rnd(rng.standard_normal(HV))
    dg, dbeta = rng.standard_normal((2, 2, 5, HV))
    refs = gd.gdn_gates_grad(a, b, f32(A), dt, f32(dg), f32(dbeta))
    run("gates", [(a, True), (b, True), (A, False), (dt, True), (dg, False), (dbeta, False)],
        [True, True, False, True], refs)

    x, z, dy = (rnd(rng.standard_normal((2, 3, HV, DV))) for _ in range(3))
    w = rnd(1 + 0.2 * rng.standard_normal(DV))
    run("norm", [(x, True), (z, True), (w, True), (dy, True)], [True, True, True],
        gd.gated_rms_norm_grad(x, z, w, dy))

    for B, T in ((2, 37), (1, 1)):
        q, k = (rnd(rng.standard_normal((B, T, HK, DK))) for _ in range(2))
        v, do = (rnd(rng.standard_normal((B, T, HV, DV))) for _ in range(2))
        if T > 3:
            q[-1, :3] = k[-1, :3] = v[-1, :3] = 0.0   # left padding
        g = f32(-rng.uniform(0.02, 0.5, (B, T, HV)))
        beta = f32(rng.uniform(0.1, 0.9, (B, T, HV)))
        s0, ds = f32(rng.standard_normal((2, B, HV, DK, DV)))
        refs = gd.gated_delta_rule_grad(q, k, v, g, beta, do, s0, ds, use_qk_l2norm=True)
        run("delta_states", [(q, True), (k, True), (v, True), (g, False), (beta, False),
                             (do, True), (s0, False), (ds, False)],
            [True, True, True, False, False, False], refs)
        refs = gd.gated_delta_rule_grad(q, k, v, g, beta, do, use_qk_l2norm=False, scale=0.5)
        run("delta_plain", [(q, True), (k, True), (v, True), (g, False), (beta, False),
                            (do, True)], [True, True, True, False, False], refs[:5])


check_reference()
check("f32", 1e-5, 1e-4)
check("bf16", 2e-2, 2e-2)
