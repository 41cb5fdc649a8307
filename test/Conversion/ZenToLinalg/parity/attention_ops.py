# RUN: %python %s
"""zen.attention, zen.causal_conv1d, zen.gdn_gates and zen.gated_rms_norm
against test/reference/ops.py, in f32 (max|d|/max|ref| <= 1e-5) and bf16
(1e-2: inputs are bf16, the lowering computes in f32 and rounds the result
once, twice with a gate or before an activation, so a few ulps of 2^-8).

Attention: GQA ratios 1 and 4, causal and not, key-padding masks (i1, i64,
f32) with left padding (whole query rows masked out give 0), a sigmoid gate,
an explicit scale, a dynamic head dim, and a KV cache: prefill at position 0,
a T = 1 decode and a T = 3 continuation at later positions, with mask.
Conv: with and without state, T = 1, T < K, T > K, every activation.
"""

import ctypes
import math
import os

import numpy as np

from reference import ops
from zen_exec import Kernel, from_bf16, to_bf16

# memref.copy into a strided view (the conv's x -> padded buffer, and the
# KV-cache window copy that only folds away once CSE runs after
# bufferization) lowers to a call to MLIR's `memrefCopy` runtime helper, which
# the kernel .so does not link: load it globally first.
_LLVM_LIB = os.path.join(
    os.path.dirname(os.environ.get("MLIR_TRANSLATE", "/usr/lib/llvm-22/bin/mlir-translate")),
    "..", "lib", "libmlir_c_runner_utils.so")
ctypes.CDLL(_LLVM_LIB, mode=ctypes.RTLD_GLOBAL)

# The cache functions copy their cache arguments first, so the in-place
# update (what a decode step does) lands in a fresh buffer: Kernel.call frees
# result buffers, and the caller's arrays stay unchanged for the reference.

MODULE = """
func.func @attn_gqa4(%q: tensor<?x?x8x16x{T}>, %k: tensor<?x?x2x16x{T}>, %v: tensor<?x?x2x16x{T}>)
    -> tensor<?x?x8x16x{T}> {{
  %o = zen.attention %q, %k, %v {{causal}}
      : tensor<?x?x8x16x{T}>, tensor<?x?x2x16x{T}>, tensor<?x?x2x16x{T}>
  return %o : tensor<?x?x8x16x{T}>
}}
func.func @attn_mask_i1(%q: tensor<?x?x4x16x{T}>, %k: tensor<?x?x4x16x{T}>, %v: tensor<?x?x4x16x{T}>,
                        %m: tensor<?x?xi1>) -> tensor<?x?x4x16x{T}> {{
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi1>) {{causal}}
      : tensor<?x?x4x16x{T}>, tensor<?x?x4x16x{T}>, tensor<?x?x4x16x{T}>
  return %o : tensor<?x?x4x16x{T}>
}}
func.func @attn_gate_i64(%q: tensor<?x?x8x16x{T}>, %k: tensor<?x?x2x16x{T}>, %v: tensor<?x?x2x16x{T}>,
                         %m: tensor<?x?xi64>, %g: tensor<?x?x8x16x{T}>) -> tensor<?x?x8x16x{T}> {{
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi64>) gate(%g) {{causal}}
      : tensor<?x?x8x16x{T}>, tensor<?x?x2x16x{T}>, tensor<?x?x2x16x{T}>
  return %o : tensor<?x?x8x16x{T}>
}}
func.func @attn_bidir(%q: tensor<?x?x4x?x{T}>, %k: tensor<?x?x4x?x{T}>, %v: tensor<?x?x4x?x{T}>,
                      %m: tensor<?x?xf32>) -> tensor<?x?x4x?x{T}> {{
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xf32>)
      : tensor<?x?x4x?x{T}>, tensor<?x?x4x?x{T}>, tensor<?x?x4x?x{T}>
  return %o : tensor<?x?x4x?x{T}>
}}
func.func @attn_scaled(%q: tensor<?x?x8x16x{T}>, %k: tensor<?x?x2x16x{T}>, %v: tensor<?x?x2x16x{T}>)
    -> tensor<?x?x8x16x{T}> {{
  %o = zen.attention %q, %k, %v {{causal, scale = 0.3 : f64}}
      : tensor<?x?x8x16x{T}>, tensor<?x?x2x16x{T}>, tensor<?x?x2x16x{T}>
  return %o : tensor<?x?x8x16x{T}>
}}
func.func @attn_cache(%q: tensor<?x?x8x16x{T}>, %k: tensor<?x?x2x16x{T}>, %v: tensor<?x?x2x16x{T}>,
                      %kc0: tensor<?x2x24x16x{T}>, %vc0: tensor<?x2x24x16x{T}>,
                      %pos: tensor<i64>)
    -> (tensor<?x?x8x16x{T}>, tensor<?x2x24x16x{T}>, tensor<?x2x24x16x{T}>) {{
  %kc = bufferization.alloc_tensor() copy(%kc0) : tensor<?x2x24x16x{T}>
  %vc = bufferization.alloc_tensor() copy(%vc0) : tensor<?x2x24x16x{T}>
  %o, %kc1, %vc1 = zen.attention %q, %k, %v
      cache(%kc, %vc at %pos : tensor<?x2x24x16x{T}>, tensor<?x2x24x16x{T}>) {{causal}}
      : tensor<?x?x8x16x{T}>, tensor<?x?x2x16x{T}>, tensor<?x?x2x16x{T}>
  return %o, %kc1, %vc1 : tensor<?x?x8x16x{T}>, tensor<?x2x24x16x{T}>, tensor<?x2x24x16x{T}>
}}
func.func @attn_cache_full(%q: tensor<?x?x8x16x{T}>, %k: tensor<?x?x2x16x{T}>, %v: tensor<?x?x2x16x{T}>,
                           %m: tensor<?x24xi64>, %g: tensor<?x?x8x16x{T}>,
                           %kc0: tensor<?x2x24x16x{T}>, %vc0: tensor<?x2x24x16x{T}>,
                           %pos: tensor<i64>)
    -> (tensor<?x?x8x16x{T}>, tensor<?x2x24x16x{T}>, tensor<?x2x24x16x{T}>) {{
  %kc = bufferization.alloc_tensor() copy(%kc0) : tensor<?x2x24x16x{T}>
  %vc = bufferization.alloc_tensor() copy(%vc0) : tensor<?x2x24x16x{T}>
  %o, %kc1, %vc1 = zen.attention %q, %k, %v mask(%m : tensor<?x24xi64>) gate(%g)
      cache(%kc, %vc at %pos : tensor<?x2x24x16x{T}>, tensor<?x2x24x16x{T}>) {{causal}}
      : tensor<?x?x8x16x{T}>, tensor<?x?x2x16x{T}>, tensor<?x?x2x16x{T}>
  return %o, %kc1, %vc1 : tensor<?x?x8x16x{T}>, tensor<?x2x24x16x{T}>, tensor<?x2x24x16x{T}>
}}
func.func @conv(%x: tensor<?x?x12x{T}>, %w: tensor<12x1x4x{T}>)
    -> (tensor<?x?x12x{T}>, tensor<?x12x4x{T}>) {{
  %y, %s = zen.causal_conv1d %x, %w : tensor<?x?x12x{T}>, tensor<12x1x4x{T}>
  return %y, %s : tensor<?x?x12x{T}>, tensor<?x12x4x{T}>
}}
func.func @conv_state(%x: tensor<?x?x12x{T}>, %w: tensor<12x1x4x{T}>, %s0: tensor<?x12x4x{T}>)
    -> (tensor<?x?x12x{T}>, tensor<?x12x4x{T}>) {{
  %y, %s = zen.causal_conv1d %x, %w state(%s0)
      : tensor<?x?x12x{T}>, tensor<12x1x4x{T}>, tensor<?x12x4x{T}>
  return %y, %s : tensor<?x?x12x{T}>, tensor<?x12x4x{T}>
}}
func.func @conv_none(%x: tensor<?x?x12x{T}>, %w: tensor<12x1x4x{T}>, %s0: tensor<?x12x4x{T}>)
    -> (tensor<?x?x12x{T}>, tensor<?x12x4x{T}>) {{
  %y, %s = zen.causal_conv1d %x, %w state(%s0) {{activation = #zen.activation<none>}}
      : tensor<?x?x12x{T}>, tensor<12x1x4x{T}>, tensor<?x12x4x{T}>
  return %y, %s : tensor<?x?x12x{T}>, tensor<?x12x4x{T}>
}}
func.func @conv_gelu(%x: tensor<?x?x12x{T}>, %w: tensor<12x1x4x{T}>)
    -> (tensor<?x?x12x{T}>, tensor<?x12x4x{T}>) {{
  %y, %s = zen.causal_conv1d %x, %w {{activation = #zen.activation<gelu>}}
      : tensor<?x?x12x{T}>, tensor<12x1x4x{T}>
  return %y, %s : tensor<?x?x12x{T}>, tensor<?x12x4x{T}>
}}
func.func @conv_gelu_tanh(%x: tensor<?x?x12x{T}>, %w: tensor<12x1x4x{T}>)
    -> (tensor<?x?x12x{T}>, tensor<?x12x4x{T}>) {{
  %y, %s = zen.causal_conv1d %x, %w {{activation = #zen.activation<gelu_tanh>}}
      : tensor<?x?x12x{T}>, tensor<12x1x4x{T}>
  return %y, %s : tensor<?x?x12x{T}>, tensor<?x12x4x{T}>
}}
func.func @gates(%a: tensor<?x?x6x{T}>, %b: tensor<?x?x6x{T}>, %A: tensor<6xf32>, %dt: tensor<6x{T}>)
    -> (tensor<?x?x6xf32>, tensor<?x?x6xf32>) {{
  %g, %beta = zen.gdn_gates %a, %b, %A, %dt : tensor<?x?x6x{T}>, tensor<6xf32>, tensor<6x{T}>
  return %g, %beta : tensor<?x?x6xf32>, tensor<?x?x6xf32>
}}
func.func @gnorm(%x: tensor<?x?x4x32x{T}>, %z: tensor<?x?x4x32x{T}>, %w: tensor<32x{T}>)
    -> tensor<?x?x4x32x{T}> {{
  %y = zen.gated_rms_norm %x, %z, %w {{eps = 1.0e-05 : f64}} : tensor<?x?x4x32x{T}>, tensor<32x{T}>
  return %y : tensor<?x?x4x32x{T}>
}}
"""


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def gelu(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


class Raw:
    """An input passed as it is (not converted to bf16 in the bf16 run)."""

    def __init__(self, array):
        self.array = array


class Checker:
    def __init__(self, dtype, tol):
        self.kernel = Kernel(MODULE.format(T=dtype))
        self.dtype, self.tol = dtype, tol
        self.rng = np.random.default_rng(7)

    def round(self, x):
        """Rounds to bf16 in the bf16 run, so both sides see the same values."""
        x = np.asarray(x, dtype=np.float32)
        return from_bf16(to_bf16(x)) if self.dtype == "bf16" else x

    def randn(self, *shape, scale=1.0):
        return self.round(scale * self.rng.standard_normal(shape))

    def enc(self, x):
        if self.dtype == "bf16" and x.dtype == np.float32:
            return to_bf16(x)
        return x

    def dec(self, x):
        return from_bf16(x) if self.dtype == "bf16" else x

    def check(self, label, name, inputs, refs):
        """Calls `name` on `inputs` and compares each result (in the kernel
        dtype) with its float64 reference; returns the raw results."""
        refs = refs if isinstance(refs, (list, tuple)) else [refs]
        out = np.float32 if self.dtype == "f32" else np.uint16
        inputs = [x.array if isinstance(x, Raw) else self.enc(x) for x in inputs]
        got = self.kernel.call(name, inputs, [(out, ref.ndim) for ref in refs])
        for i, (g, ref) in enumerate(zip(got, refs)):
            g = self.dec(g)
            assert g.shape == ref.shape, f"{label}[{i}]: shape {g.shape} != {ref.shape}"
            assert np.all(np.isfinite(g)), f"{label}[{i}] {self.dtype}: non-finite values"
            err = rel_err(g, ref)
            assert err <= self.tol, \
                f"{label}[{i}] {self.dtype}: max|d|/max|ref| = {err:.3g} > {self.tol}"
            print(f"{label}[{i}] {self.dtype}: {err:.2e}")
        return got


def left_padding_mask(B, S, pads):
    m = np.ones((B, S), dtype=np.int64)
    for row, pad in enumerate(pads):
        m[row, :pad] = 0
    return m


def check_attention(c):
    # GQA ratio 4, causal, T = S.
    B, T, S = 2, 7, 7
    q, k, v = c.randn(B, T, 8, 16), c.randn(B, S, 2, 16), c.randn(B, S, 2, 16)
    c.check("attn gqa4", "attn_gqa4", [q, k, v], ops.attention(q, k, v))
    # T = 1 without a cache (only key 0 visible).
    c.check("attn gqa4 T=1", "attn_gqa4", [q[:, :1], k[:, :1], v[:, :1]],
            ops.attention(q[:, :1], k[:, :1], v[:, :1]))
    # GQA ratio 1, i1 left-padding mask: row 1 has 3 padding keys, so its
    # first 3 queries see nothing and must give 0 (no NaN).
    q1, k1, v1 = c.randn(B, T, 4, 16), c.randn(B, S, 4, 16), c.randn(B, S, 4, 16)
    m = left_padding_mask(B, S, [0, 3])
    got = c.check("attn mask i1", "attn_mask_i1", [q1, k1, v1, m.astype(bool)],
                  ops.attention(q1, k1, v1, mask=m))
    assert np.all(c.dec(got[0])[1, :3] == 0), "fully masked query rows must be 0"
    # Gate and an i64 mask, GQA 4.
    g = c.randn(B, T, 8, 16, scale=2.0)
    m = left_padding_mask(B, S, [2, 0])
    c.check("attn gate+mask i64", "attn_gate_i64", [q, k, v, m, g],
            ops.attention(q, k, v, mask=m, gate=g))
    # Bidirectional, T != S, f32 mask with holes, dynamic head dim (hd = 24).
    qb, kb, vb = c.randn(3, 4, 4, 24), c.randn(3, 9, 4, 24), c.randn(3, 9, 4, 24)
    mf = (c.rng.random((3, 9)) > 0.3).astype(np.float32)
    mf[2] = 0.0  # a batch row with no key at all
    c.check("attn bidir f32-mask dyn-hd", "attn_bidir", [qb, kb, vb, Raw(mf)],
            ops.attention(qb, kb, vb, mask=mf, causal=False))
    # Explicit scale.
    c.check("attn scale", "attn_scaled", [q, k, v], ops.attention(q, k, v, scale=0.3))

    # KV cache [B, 2, 24, 16]: prefill 5 tokens at 0, decode 1 token at 5,
    # continue 3 tokens at 6; stale garbage beyond pos + S must be ignored.
    Smax = 24
    kc = c.randn(B, 2, Smax, 16, scale=5.0)
    vc = c.randn(B, 2, Smax, 16, scale=5.0)
    pos = 0
    for step, n in enumerate([5, 1, 3]):
        qs, ks, vs = c.randn(B, n, 8, 16), c.randn(B, n, 2, 16), c.randn(B, n, 2, 16)
        ref_o, ref_k, ref_v = ops.attention(qs, ks, vs, k_cache=kc, v_cache=vc,
                                            cache_position=pos)
        got = c.check(f"attn cache step{step} T={n} pos={pos}", "attn_cache",
                      [qs, ks, vs, kc, vc, np.array(pos, dtype=np.int64)],
                      [ref_o, ref_k, ref_v])
        kc, vc = c.dec(got[1]), c.dec(got[2])
        assert np.array_equal(kc, ref_k) and np.array_equal(vc, ref_v), \
            "cache update must be an exact copy"
        pos += n

    # Cache with mask (left padding of 2 and 0 over the cache slots) and gate:
    # a T = 1 decode at pos 9 and a T = 4 step at 10.
    m = left_padding_mask(B, Smax, [2, 0])
    for n in (1, 4):
        qs, ks, vs = c.randn(B, n, 8, 16), c.randn(B, n, 2, 16), c.randn(B, n, 2, 16)
        gs = c.randn(B, n, 8, 16)
        ref_o, ref_k, ref_v = ops.attention(qs, ks, vs, mask=m, gate=gs, k_cache=kc,
                                            v_cache=vc, cache_position=pos)
        got = c.check(f"attn cache+mask+gate T={n} pos={pos}", "attn_cache_full",
                      [qs, ks, vs, m, gs, kc, vc, np.array(pos, dtype=np.int64)],
                      [ref_o, ref_k, ref_v])
        kc, vc = c.dec(got[1]), c.dec(got[2])
        pos += n


def check_conv(c):
    B, C, K = 2, 12, 4
    w = c.randn(C, 1, K, scale=0.5)
    for T in (1, 3, 4, 9):
        x = c.randn(B, T, C)
        c.check(f"conv T={T}", "conv", [x, w], list(ops.causal_conv1d(x, w)))
        s0 = c.randn(B, C, K)
        c.check(f"conv state T={T}", "conv_state", [x, w, s0],
                list(ops.causal_conv1d(x, w, state=s0)))
        c.check(f"conv none T={T}", "conv_none", [x, w, s0],
                list(ops.causal_conv1d(x, w, state=s0, activation="none")))
        y, s = ops.causal_conv1d(x, w, activation="none")
        c.check(f"conv gelu T={T}", "conv_gelu", [x, w], [gelu(y), s])
        c.check(f"conv gelu_tanh T={T}", "conv_gelu_tanh", [x, w], [gelu_tanh(y), s])


def check_gates(c):
    a, b = c.randn(2, 5, 6, scale=3.0), c.randn(2, 5, 6, scale=3.0)
    a[0, 0, :] = [25.0, -30.0, 19.5, 20.5, 0.0, -5.0]  # both softplus branches
    b[0, 0, :] = [40.0, -40.0, 0.0, 1.0, -1.0, 100.0]
    A_log = np.log(c.rng.uniform(0.2, 1.5, 6)).astype(np.float32)
    dt = c.randn(6)
    g_ref, beta_ref = ops.gdn_gates(a, b, A_log, dt)
    inputs = [c.enc(a), c.enc(b), A_log, c.enc(dt)]
    got = c.kernel.call("gates", inputs, [(np.float32, 3), (np.float32, 3)])
    for label, g, ref in (("g", got[0], g_ref), ("beta", got[1], beta_ref)):
        err = rel_err(g, ref)
        # Both computed in f32 from the same (rounded) inputs in either dtype.
        assert err <= 1e-5, f"gates {label} {c.dtype}: {err:.3g}"
        print(f"gates {label} {c.dtype}: {err:.2e}")


def check_gated_norm(c):
    x, z = c.randn(3, 5, 4, 32), c.randn(3, 5, 4, 32, scale=2.0)
    w = c.round(1 + 0.1 * c.rng.standard_normal(32))
    c.check("gated_rms_norm", "gnorm", [x, z, w], ops.gated_rms_norm(x, z, w, eps=1e-5))
    c.check("gated_rms_norm T=1", "gnorm", [x[:1, :1], z[:1, :1], w],
            ops.gated_rms_norm(x[:1, :1], z[:1, :1], w, eps=1e-5))


for dtype, tol in (("f32", 1e-5), ("bf16", 1e-2)):
    checker = Checker(dtype, tol)
    check_attention(checker)
    check_conv(checker)
    check_gates(checker)
    check_gated_norm(checker)
