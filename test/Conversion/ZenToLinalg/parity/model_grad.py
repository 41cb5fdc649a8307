# RUN: %python %s
"""The model-block backward ops (zen.linear_grad, rms_norm_grad, l2_norm_grad, embedding_grad,
rope_grad, swiglu_grad, attention_grad) against the numpy VJPs of test/reference/grads_model.py,
in f32 (max|d|/max|ref| <= 1e-5), on dynamic batch/sequence dims, T = 1, sizes that are no
multiple of a tile, padding masks, GQA, partial RoPE, and bf16 for linear_grad (2e-2)."""

import numpy as np

from reference import grads_model as gm
from zen_exec import Kernel, from_bf16, to_bf16

MODULE = """
func.func @linear(%dy: tensor<?x?x40x{T}>, %x: tensor<?x?x48x{T}>, %w: tensor<40x48x{T}>)
    -> (tensor<?x?x48x{T}>, tensor<40x48x{T}>) {{
  %dx, %dw = zen.linear_grad %dy, %x, %w : tensor<?x?x40x{T}>, tensor<?x?x48x{T}>, tensor<40x48x{T}>
      -> input_grad(tensor<?x?x48x{T}>) weight_grad(tensor<40x48x{T}>)
  return %dx, %dw : tensor<?x?x48x{T}>, tensor<40x48x{T}>
}}
func.func @lora(%dy: tensor<?x40x{T}>, %x: tensor<?x48x{T}>, %w: tensor<40x48x{T}>, %a: tensor<4x48x{T}>,
                %b: tensor<40x4x{T}>) -> (tensor<?x48x{T}>, tensor<4x48x{T}>, tensor<40x4x{T}>) {{
  %dx, %da, %db = zen.linear_grad %dy, %x, %w lora(%a, %b) {{lora_scale = 2.0 : f64}}
      : tensor<?x40x{T}>, tensor<?x48x{T}>, tensor<40x48x{T}>, tensor<4x48x{T}>, tensor<40x4x{T}>
      -> input_grad(tensor<?x48x{T}>) lora_a_grad(tensor<4x48x{T}>) lora_b_grad(tensor<40x4x{T}>)
  return %dx, %da, %db : tensor<?x48x{T}>, tensor<4x48x{T}>, tensor<40x4x{T}>
}}
"""

F32_MODULE = """
func.func @norm(%dy: tensor<?x?x48xf32>, %x: tensor<?x?x48xf32>, %w: tensor<48xf32>)
    -> (tensor<?x?x48xf32>, tensor<48xf32>) {
  %dx, %dw = zen.rms_norm_grad %dy, %x, %w {eps = 1.0e-05 : f64}
      : tensor<?x?x48xf32>, tensor<?x?x48xf32>, tensor<48xf32>
      -> input_grad(tensor<?x?x48xf32>) weight_grad(tensor<48xf32>)
  return %dx, %dw : tensor<?x?x48xf32>, tensor<48xf32>
}
func.func @norm_zc(%dy: tensor<?x?x3x20xf32>, %x: tensor<?x?x3x20xf32>, %w: tensor<20xf32>)
    -> (tensor<?x?x3x20xf32>, tensor<20xf32>) {
  %dx, %dw = zen.rms_norm_grad %dy, %x, %w {zero_centered}
      : tensor<?x?x3x20xf32>, tensor<?x?x3x20xf32>, tensor<20xf32>
      -> input_grad(tensor<?x?x3x20xf32>) weight_grad(tensor<20xf32>)
  return %dx, %dw : tensor<?x?x3x20xf32>, tensor<20xf32>
}
func.func @l2(%dy: tensor<?x?x3x20xf32>, %x: tensor<?x?x3x20xf32>) -> tensor<?x?x3x20xf32> {
  %dx = zen.l2_norm_grad %dy, %x : tensor<?x?x3x20xf32>
  return %dx : tensor<?x?x3x20xf32>
}
func.func @embed(%dy: tensor<?x?x24xf32>, %ids: tensor<?x?xi64>, %t: tensor<11x24xf32>) -> tensor<11x24xf32> {
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<?x?x24xf32>, tensor<?x?xi64>, tensor<11x24xf32>
  return %dt : tensor<11x24xf32>
}
func.func @rope(%dy: tensor<?x?x3x16xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x3x16xf32> {
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 16 : i64, theta = 1.0e+06 : f64} : tensor<?x?x3x16xf32>, tensor<?x?xi64>
  return %dx : tensor<?x?x3x16xf32>
}
func.func @rope_partial(%dy: tensor<?x?x2x24xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x2x24xf32> {
  %dx = zen.rope_grad %dy, %pos {rotary_dim = 8 : i64, theta = 1.0e+07 : f64} : tensor<?x?x2x24xf32>, tensor<?x?xi64>
  return %dx : tensor<?x?x2x24xf32>
}
func.func @swiglu(%dh: tensor<?x?x36xf32>, %g: tensor<?x?x36xf32>, %u: tensor<?x?x36xf32>)
    -> (tensor<?x?x36xf32>, tensor<?x?x36xf32>) {
  %dg, %du = zen.swiglu_grad %dh, %g, %u : tensor<?x?x36xf32>
      -> gate_grad(tensor<?x?x36xf32>) up_grad(tensor<?x?x36xf32>)
  return %dg, %du : tensor<?x?x36xf32>, tensor<?x?x36xf32>
}
func.func @attn(%dy: tensor<?x?x4x8xf32>, %q: tensor<?x?x4x8xf32>, %k: tensor<?x?x2x8xf32>,
                %v: tensor<?x?x2x8xf32>, %m: tensor<?x?xi64>)
    -> (tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>) {
  %dq, %dk, %dv = zen.attention_grad %dy, %q, %k, %v mask(%m : tensor<?x?xi64>) {causal}
      : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
      -> q_grad(tensor<?x?x4x8xf32>) k_grad(tensor<?x?x2x8xf32>) v_grad(tensor<?x?x2x8xf32>)
  return %dq, %dk, %dv : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
}
func.func @attn_gated(%dy: tensor<?x?x6x8xf32>, %q: tensor<?x?x6x8xf32>, %k: tensor<?x?x2x8xf32>,
                      %v: tensor<?x?x2x8xf32>, %g: tensor<?x?x6x8xf32>)
    -> (tensor<?x?x6x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x6x8xf32>) {
  %dq, %dk, %dv, %dg = zen.attention_grad %dy, %q, %k, %v gate(%g) {causal, scale = 0.3 : f64}
      : tensor<?x?x6x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
      -> q_grad(tensor<?x?x6x8xf32>) k_grad(tensor<?x?x2x8xf32>) v_grad(tensor<?x?x2x8xf32>)
         gate_grad(tensor<?x?x6x8xf32>)
  return %dq, %dk, %dv, %dg : tensor<?x?x6x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x6x8xf32>
}
func.func @attn_full(%dy: tensor<?x?x2x8xf32>, %q: tensor<?x?x2x8xf32>, %k: tensor<?x?x2x8xf32>,
                     %v: tensor<?x?x2x8xf32>) -> tensor<?x?x2x8xf32> {
  %dk = zen.attention_grad %dy, %q, %k, %v : tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
      -> k_grad(tensor<?x?x2x8xf32>)
  return %dk : tensor<?x?x2x8xf32>
}
"""

rng = np.random.default_rng(3)
worst = {}


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def report(name, got, ref, tol):
    err = rel_err(got, ref)
    worst[name] = max(worst.get(name, 0.0), err)
    assert err <= tol, f"{name}: max|d|/max|ref| = {err:.3g} > {tol}"


def randn(*shape, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def check_linear(dtype, tol):
    kernel = Kernel(MODULE.format(T=dtype))
    enc, dec, out = ((to_bf16, from_bf16, np.uint16) if dtype == "bf16"
                     else ((lambda t: t), (lambda t: t), np.float32))
    rnd = (lambda t: from_bf16(to_bf16(t))) if dtype == "bf16" else (lambda t: t)
    for rows in ((2, 5), (1, 1), (3, 7)):
        x, dy, w = rnd(randn(*rows, 48)), rnd(randn(*rows, 40)), rnd(randn(40, 48, scale=0.1))
        dx, dw = kernel.call("linear", [enc(dy), enc(x), enc(w)], [(out, 3), (out, 2)])
        ref = gm.linear_vjp(x, w, dy)
        report(f"linear_grad dx {dtype}", dec(dx), ref["input"], tol)
        report(f"linear_grad dW {dtype}", dec(dw), ref["weight"], tol)
    for rows in (7, 1):
        x, dy, w = rnd(randn(rows, 48)), rnd(randn(rows, 40)), rnd(randn(40, 48, scale=0.1))
        a, b = rnd(randn(4, 48, scale=0.1)), rnd(randn(40, 4, scale=0.1))
        dx, da, db = kernel.call("lora", [enc(t) for t in (dy, x, w, a, b)],
                                 [(out, 2), (out, 2), (out, 2)])
        ref = gm.linear_vjp(x, w, dy, a, b, 2.0)
        report(f"linear_grad lora dx {dtype}", dec(dx), ref["input"], tol)
        report(f"linear_grad lora dA {dtype}", dec(da), ref["lora_a"], tol)
        report(f"linear_grad lora dB {dtype}", dec(db), ref["lora_b"], tol)


def check_f32():
    k = Kernel(F32_MODULE)
    f32 = np.float32
    for B, T in ((2, 5), (1, 1), (3, 2)):
        x, dy, w = randn(B, T, 48), randn(B, T, 48), (1 + 0.1 * randn(48)).astype(f32)
        dx, dw = k.call("norm", [dy, x, w], [(f32, 3), (f32, 1)])
        ref = gm.rms_norm_vjp(x, w, dy, eps=1e-5)
        report("rms_norm_grad dx", dx, ref["input"], 1e-5)
        report("rms_norm_grad dw", dw, ref["weight"], 1e-5)

        x, dy, w = randn(B, T, 3, 20), randn(B, T, 3, 20), 0.1 * randn(20)
        dx, dw = k.call("norm_zc", [dy, x, w], [(f32, 4), (f32, 1)])
        ref = gm.rms_norm_vjp(x, w, dy, zero_centered=True)
        report("rms_norm_grad zc dx", dx, ref["input"], 1e-5)
        report("rms_norm_grad zc dw", dw, ref["weight"], 1e-5)

        (dx,) = k.call("l2", [dy, x], [(f32, 4)])
        report("l2_norm_grad dx", dx, gm.l2_norm_vjp(x, dy), 1e-5)

        ids = rng.integers(0, 11, (B, T)).astype(np.int64)
        ids.flat[0] = ids.flat[-1]  # a repeated id accumulates
        dy = randn(B, T, 24)
        (dt,) = k.call("embed", [dy, ids, np.zeros((11, 24), f32)], [(f32, 2)])
        report("embedding_grad", dt, gm.embedding_vjp(ids, 11, dy), 1e-6)

        pos = rng.integers(0, 4000, (B, T)).astype(np.int64)
        dy = randn(B, T, 3, 16)
        (dx,) = k.call("rope", [dy, pos], [(f32, 4)])
        report("rope_grad full", dx, gm.rope_vjp(pos, dy, 1e6, 16, fp32_angles=True), 1e-5)
        dy = randn(B, T, 2, 24)
        (dx,) = k.call("rope_partial", [dy, pos], [(f32, 4)])
        report("rope_grad partial", dx, gm.rope_vjp(pos, dy, 1e7, 8, fp32_angles=True), 1e-5)

        g, u, dh = randn(B, T, 36, scale=3), randn(B, T, 36), randn(B, T, 36)
        dg, du = k.call("swiglu", [dh, g, u], [(f32, 3), (f32, 3)])
        ref = gm.swiglu_vjp(g, u, dh)
        report("swiglu_grad gate", dg, ref["gate"], 1e-5)
        report("swiglu_grad up", du, ref["up"], 1e-5)

    for B, T in ((2, 5), (1, 1), (2, 9)):
        q, kk, v = randn(B, T, 4, 8), randn(B, T, 2, 8), randn(B, T, 2, 8)
        dy = randn(B, T, 4, 8)
        mask = np.ones((B, T), np.int64)
        if B > 1 and T > 2:
            mask[1, :2] = 0  # left padding: two query rows see no key at all
        dq, dk, dv = k.call("attn", [dy, q, kk, v, mask], [(f32, 4)] * 3)
        ref = gm.attention_vjp(q, kk, v, dy, mask=mask, causal=True)
        report("attention_grad dq", dq, ref["q"], 1e-5)
        report("attention_grad dk", dk, ref["k"], 1e-5)
        report("attention_grad dv", dv, ref["v"], 1e-5)

        q, g, dy = randn(B, T, 6, 8), randn(B, T, 6, 8), randn(B, T, 6, 8)
        dq, dk, dv, dg = k.call("attn_gated", [dy, q, kk, v, g], [(f32, 4)] * 4)
        ref = gm.attention_vjp(q, kk, v, dy, gate=g, causal=True, scale=0.3)
        report("attention_grad gated dq", dq, ref["q"], 1e-5)
        report("attention_grad gated dk", dk, ref["k"], 1e-5)
        report("attention_grad gated dv", dv, ref["v"], 1e-5)
        report("attention_grad gated dgate", dg, ref["gate"], 1e-5)

        q, dy = randn(B, T, 2, 8), randn(B, T, 2, 8)
        (dk,) = k.call("attn_full", [dy, q, kk, v], [(f32, 4)])
        ref = gm.attention_vjp(q, kk, v, dy, causal=False)
        report("attention_grad non-causal dk", dk, ref["k"], 1e-5)


check_linear("f32", 1e-5)
check_linear("bf16", 2e-2)
check_f32()
for name, err in worst.items():
    print(f"{name}: {err:.2e}")
