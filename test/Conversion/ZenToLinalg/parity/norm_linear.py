# RUN: %python %s
"""zen.rms_norm (plain and zero-centred) and zen.linear (with and without
LoRA) against test/reference/ops.py, in f32 (tight) and bf16 (bf16 rounding:
one ulp of 2^-8 relative at each rounding point)."""

import numpy as np

from reference import ops
from zen_exec import Kernel, from_bf16, to_bf16

MODULE = """
func.func @norm(%x: tensor<?x?x48x{T}>, %w: tensor<48x{T}>) -> tensor<?x?x48x{T}> {{
  %y = zen.rms_norm %x, %w {{eps = 1.0e-05 : f64}} : tensor<?x?x48x{T}>, tensor<48x{T}>
  return %y : tensor<?x?x48x{T}>
}}
func.func @norm_zc(%x: tensor<?x48x{T}>, %w: tensor<48x{T}>) -> tensor<?x48x{T}> {{
  %y = zen.rms_norm %x, %w {{zero_centered}} : tensor<?x48x{T}>, tensor<48x{T}>
  return %y : tensor<?x48x{T}>
}}
func.func @linear(%x: tensor<?x?x48x{T}>, %w: tensor<40x48x{T}>) -> tensor<?x?x40x{T}> {{
  %y = zen.linear %x, %w : tensor<?x?x48x{T}>, tensor<40x48x{T}>
  return %y : tensor<?x?x40x{T}>
}}
func.func @lora(%x: tensor<?x48x{T}>, %w: tensor<40x48x{T}>, %a: tensor<4x48x{T}>, %b: tensor<40x4x{T}>) -> tensor<?x40x{T}> {{
  %y = zen.linear %x, %w lora(%a, %b) {{lora_scale = 2.0 : f64}}
      : tensor<?x48x{T}>, tensor<40x48x{T}>, tensor<4x48x{T}>, tensor<40x4x{T}>
  return %y : tensor<?x40x{T}>
}}
"""


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / np.abs(ref).max())


def check(dtype, tol):
    kernel = Kernel(MODULE.format(T=dtype))
    rng = np.random.default_rng(1)
    x3 = rng.standard_normal((2, 5, 48)).astype(np.float32)
    x2 = rng.standard_normal((7, 48)).astype(np.float32)
    w = (1 + 0.1 * rng.standard_normal(48)).astype(np.float32)
    wl = (0.1 * rng.standard_normal((40, 48))).astype(np.float32)
    a = (0.1 * rng.standard_normal((4, 48))).astype(np.float32)
    b = (0.1 * rng.standard_normal((40, 4))).astype(np.float32)
    if dtype == "bf16":
        # Round the inputs first, so both sides see the same values.
        x3, x2, w, wl, a, b = (from_bf16(to_bf16(t)) for t in (x3, x2, w, wl, a, b))
        enc, dec, out = to_bf16, from_bf16, np.uint16
    else:
        enc, dec, out = (lambda t: t), (lambda t: t), np.float32

    cases = [
        ("norm", [x3, w], 3, ops.rms_norm(x3, w, eps=1e-5)),
        ("norm_zc", [x2, w - 1], 2, ops.rms_norm(x2, w - 1, zero_centered=True)),
        ("linear", [x3, wl], 3, ops.linear(x3, wl)),
        ("lora", [x2, wl, a, b], 2,
         ops.linear(x2, wl, lora_a=a, lora_b=b, lora_scale=2.0)),
    ]
    for name, inputs, rank, ref in cases:
        (got,) = kernel.call(name, [enc(t) for t in inputs], [(out, rank)])
        err = rel_err(dec(got), ref)
        assert err <= tol, f"{name} {dtype}: max|d|/max|ref| = {err:.3g} > {tol}"
        print(f"{name} {dtype}: {err:.2e}")


check("f32", 1e-5)
check("bf16", 2e-2)
