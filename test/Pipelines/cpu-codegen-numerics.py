# RUN: %python %s
"""The CPU kernels of zen-cpu-pipeline (lib/Pipelines/CPUCodegen.cpp) against
numpy, on shapes that reach every path: the dot kernel (M < 48) and the packed
GEMM (M >= 48), full and peeled row tiles (M not a multiple of the register
tile), several leading dims, N not a multiple of the panel width (dot only),
K not a multiple of the vector length, bf16 weights read as pairs (K a
multiple of twice the vector length), a non-zero accumulator, and the
elementwise and reduction plans (rms_norm). f32 tight, bf16 within bf16
rounding. The reference is test/reference/ops.py."""

import numpy as np

from reference import ops
from zen_exec import Kernel, from_bf16, to_bf16

MODULE = """
func.func @linear2(%x: tensor<?x40x{T}>, %w: tensor<64x40x{T}>) -> tensor<?x64x{T}> {{
  %y = zen.linear %x, %w : tensor<?x40x{T}>, tensor<64x40x{T}>
  return %y : tensor<?x64x{T}>
}}
func.func @linear3(%x: tensor<?x?x24x{T}>, %w: tensor<48x24x{T}>) -> tensor<?x?x48x{T}> {{
  %y = zen.linear %x, %w : tensor<?x?x24x{T}>, tensor<48x24x{T}>
  return %y : tensor<?x?x48x{T}>
}}
func.func @odd(%x: tensor<?x20x{T}>, %w: tensor<36x20x{T}>) -> tensor<?x36x{T}> {{
  %y = zen.linear %x, %w : tensor<?x20x{T}>, tensor<36x20x{T}>
  return %y : tensor<?x36x{T}>
}}
func.func @pairs(%x: tensor<?x?x64x{T}>, %w: tensor<40x64x{T}>) -> tensor<?x?x40x{T}> {{
  %y = zen.linear %x, %w : tensor<?x?x64x{T}>, tensor<40x64x{T}>
  return %y : tensor<?x?x40x{T}>
}}
func.func @norm(%x: tensor<?x?x48x{T}>, %w: tensor<48x{T}>) -> tensor<?x?x48x{T}> {{
  %y = zen.rms_norm %x, %w {{eps = 1.0e-06 : f64}} : tensor<?x?x48x{T}>, tensor<48x{T}>
  return %y : tensor<?x?x48x{T}>
}}
"""

# A contraction accumulating into a non-zero tensor (y0 + x w^T), written in
# linalg directly: the kernels then add y0 after the product.
ACCUMULATE = """
#mx = affine_map<(m, n, k) -> (m, k)>
#mw = affine_map<(m, n, k) -> (n, k)>
#my = affine_map<(m, n, k) -> (m, n)>
func.func @accumulate(%x: tensor<?x32xf32>, %w: tensor<16x32xf32>, %y0: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x32xf32>
  %e = tensor.empty(%m) : tensor<?x16xf32>
  %init = linalg.copy ins(%y0 : tensor<?x16xf32>) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %y = linalg.generic {indexing_maps = [#mx, #mw, #my], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x32xf32>, tensor<16x32xf32>) outs(%init : tensor<?x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
"""


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def check(dtype, tol):
    kernel = Kernel(MODULE.format(T=dtype))
    rng = np.random.default_rng(7)
    if dtype == "bf16":
        enc, dec, out = to_bf16, from_bf16, np.uint16
        rnd = lambda t: from_bf16(to_bf16(t))
    else:
        enc, dec, out = (lambda t: t), (lambda t: t), np.float32
        rnd = lambda t: t
    w2 = rnd(rng.standard_normal((64, 40)).astype(np.float32))
    w3 = rnd(rng.standard_normal((48, 24)).astype(np.float32))
    wo = rnd(rng.standard_normal((36, 20)).astype(np.float32))
    wp = rnd(rng.standard_normal((40, 64)).astype(np.float32))
    wn = rnd((1 + 0.1 * rng.standard_normal(48)).astype(np.float32))
    cases = []
    # Rows: decode, dot with a peeled tile, just below/at/above the packed
    # threshold, packed with a 1-row and a 5-row remainder.
    for m in (1, 5, 47, 48, 70, 131):
        x = rnd(rng.standard_normal((m, 40)).astype(np.float32))
        cases.append((f"linear2 M={m}", "linear2", [x, w2], 2, ops.linear(x, w2)))
    for shape in ((1, 1), (2, 7), (3, 25), (2, 40)):
        x = rnd(rng.standard_normal(shape + (24,)).astype(np.float32))
        cases.append((f"linear3 {shape}", "linear3", [x, w3], 3, ops.linear(x, w3)))
    for m in (3, 80):
        x = rnd(rng.standard_normal((m, 20)).astype(np.float32))
        cases.append((f"odd M={m}", "odd", [x, wo], 2, ops.linear(x, wo)))
    # K a multiple of 16: bf16 weights are read as pairs.
    for shape in ((1, 1), (2, 3), (1, 7)):
        x = rnd(rng.standard_normal(shape + (64,)).astype(np.float32))
        cases.append((f"pairs {shape}", "pairs", [x, wp], 3, ops.linear(x, wp)))
    x = rnd(rng.standard_normal((2, 9, 48)).astype(np.float32))
    cases.append(("norm", "norm", [x, wn], 3, ops.rms_norm(x, wn, eps=1e-6)))
    for label, name, inputs, rank, ref in cases:
        (got,) = kernel.call(name, [enc(t) for t in inputs], [(out, rank)])
        assert got.shape == ref.shape, f"{label} {dtype}: shape {got.shape}"
        err = rel_err(dec(got), ref)
        assert err <= tol, f"{label} {dtype}: max|d|/max|ref| = {err:.3g} > {tol}"
        print(f"{label} {dtype}: {err:.2e}")


def check_accumulate():
    kernel = Kernel(ACCUMULATE)
    rng = np.random.default_rng(3)
    w = rng.standard_normal((16, 32)).astype(np.float32)
    for m in (2, 100):
        x = rng.standard_normal((m, 32)).astype(np.float32)
        y0 = rng.standard_normal((m, 16)).astype(np.float32)
        (got,) = kernel.call("accumulate", [x, w, y0], [(np.float32, 2)])
        ref = y0.astype(np.float64) + ops.linear(x, w)
        err = rel_err(got, ref)
        assert err <= 1e-5, f"accumulate M={m}: {err:.3g}"
        print(f"accumulate M={m}: {err:.2e}")


check("f32", 1e-5)
check("bf16", 2e-2)
check_accumulate()
