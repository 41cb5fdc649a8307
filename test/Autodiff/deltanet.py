# RUN: %python %s
"""Finite-difference checks of the Gated-DeltaNet VJPs through zen-differentiate
(test/lib/gradcheck.py's check_vjp: <vjp(x), d> against the central
difference of <w, f(x + h d)>, f32, random directions and cotangents).

Covers every op of the family: causal_conv1d (SiLU and none; T = 1, T < K,
T = 9), gdn_gates (softplus above its threshold), gated_rms_norm, and
gated_delta_rule (chunked; GQA-style Hk = 2 < Hv = 4; T = 37 with chunk 16
and T = 70 with the default 64, i.e. T not a multiple of the chunk; T = 1;
with the L2 norm; left padding: leading all-zero q/k/v rows, checked without
the in-kernel L2 norm, whose slope 1/sqrt(1e-6) at k = 0 is beyond an f32
finite difference), plus a whole mixer chain conv -> gates -> delta rule ->
gated norm."""

import numpy as np

from gradcheck import check_vjp

RNG = np.random.default_rng(0)


def normal(*shape, scale=1.0):
    return (scale * RNG.standard_normal(shape)).astype(np.float32)


def uniform(lo, hi, *shape):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


CONV = """
func.func @f(%x: tensor<2x{T}x6xf32>, %w: tensor<6x1x4xf32>) -> tensor<2x{T}x6xf32>
    attributes {{zen.differentiate}} {{
  %y, %s = zen.causal_conv1d %x, %w {{activation = #zen.activation<{act}>}}
      : tensor<2x{T}x6xf32>, tensor<6x1x4xf32>
  return %y : tensor<2x{T}x6xf32>
}}
"""
for act in ("silu", "none"):
    for T in (1, 2, 9):
        check_vjp(CONV.format(T=T, act=act), "f", [normal(2, T, 6), normal(6, 1, 4, scale=0.5)])

GATES = """
func.func @f(%a: tensor<2x5x4xf32>, %b: tensor<2x5x4xf32>, %A_log: tensor<4xf32>, %dt: tensor<4xf32>)
    -> (tensor<2x5x4xf32>, tensor<2x5x4xf32>) attributes {zen.differentiate} {
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt : tensor<2x5x4xf32>, tensor<4xf32>, tensor<4xf32>
  return %g, %beta : tensor<2x5x4xf32>, tensor<2x5x4xf32>
}
"""
a = normal(2, 5, 4, scale=2.0)
a[0, 0, 0] = 24.0                          # softplus(x) = x above 20
check_vjp(GATES, "f", [a, normal(2, 5, 4), normal(4, scale=0.5), normal(4, scale=0.5)])

NORM = """
func.func @f(%x: tensor<2x3x4x8xf32>, %z: tensor<2x3x4x8xf32>, %w: tensor<8xf32>) -> tensor<2x3x4x8xf32>
    attributes {zen.differentiate} {
  %y = zen.gated_rms_norm %x, %z, %w : tensor<2x3x4x8xf32>, tensor<8xf32>
  return %y : tensor<2x3x4x8xf32>
}
"""
check_vjp(NORM, "f", [normal(2, 3, 4, 8), normal(2, 3, 4, 8), 1 + normal(8, scale=0.2)])

DELTA = """
func.func @f(%q: tensor<{B}x{T}x2x8xf32>, %k: tensor<{B}x{T}x2x8xf32>, %v: tensor<{B}x{T}x4x6xf32>,
             %g: tensor<{B}x{T}x4xf32>, %beta: tensor<{B}x{T}x4xf32>) -> tensor<{B}x{T}x4x6xf32>
    attributes {{zen.differentiate}} {{
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta {{{attrs}}}
      : tensor<{B}x{T}x2x8xf32>, tensor<{B}x{T}x2x8xf32>, tensor<{B}x{T}x4x6xf32>,
        tensor<{B}x{T}x4xf32>, tensor<{B}x{T}x4xf32>
  return %o : tensor<{B}x{T}x4x6xf32>
}}
"""


def delta_inputs(B, T, pad=0):
    q, k = normal(B, T, 2, 8), normal(B, T, 2, 8)
    v = normal(B, T, 4, 6)
    if pad:
        q[-1, :pad] = k[-1, :pad] = v[-1, :pad] = 0.0
    return [q, k, v, uniform(-0.5, -0.02, B, T, 4), uniform(0.1, 0.9, B, T, 4)]


# B = 2 throughout: the forward zen.gated_delta_rule with a static B = 1 does
# not compile through zen-cpu-pipeline (a rank-reduced subview), so the
# forward of these checks could not run.
for B, T, attrs in ((2, 37, "chunk_size = 16 : i64, use_qk_l2norm"),
                    (2, 70, "use_qk_l2norm"),
                    (2, 1, "use_qk_l2norm"),
                    (2, 5, "mode = #zen.delta_rule_mode<recurrent>, use_qk_l2norm")):
    check_vjp(DELTA.format(B=B, T=T, attrs=attrs), "f", delta_inputs(B, T))
# Left padding (3 all-zero rows in the second sequence); no in-kernel norm,
# so q and k are kept small to keep the state bounded.
q, k, v, g, beta = delta_inputs(2, 20, pad=3)
check_vjp(DELTA.format(B=2, T=20, attrs="chunk_size = 8 : i64, scale = 0.25 : f64"), "f",
          [0.3 * q, 0.3 * k, v, g, beta])

MIXER = """
func.func @f(%x: tensor<2x20x16xf32>, %w: tensor<16x1x4xf32>, %a: tensor<2x20x4xf32>,
             %b: tensor<2x20x4xf32>, %A_log: tensor<4xf32>, %dt: tensor<4xf32>,
             %v: tensor<2x20x4x6xf32>, %z: tensor<2x20x4x6xf32>, %nw: tensor<6xf32>)
    -> tensor<2x20x4x6xf32> attributes {zen.differentiate} {
  %y, %s = zen.causal_conv1d %x, %w : tensor<2x20x16xf32>, tensor<16x1x4xf32>
  %q = tensor.expand_shape %y [[0], [1], [2, 3]] output_shape [2, 20, 2, 8]
      : tensor<2x20x16xf32> into tensor<2x20x2x8xf32>
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt : tensor<2x20x4xf32>, tensor<4xf32>, tensor<4xf32>
  %o, %fs = zen.gated_delta_rule %q, %q, %v, %g, %beta {chunk_size = 16 : i64, use_qk_l2norm}
      : tensor<2x20x2x8xf32>, tensor<2x20x2x8xf32>, tensor<2x20x4x6xf32>, tensor<2x20x4xf32>,
        tensor<2x20x4xf32>
  %n = zen.gated_rms_norm %o, %z, %nw : tensor<2x20x4x6xf32>, tensor<6xf32>
  return %n : tensor<2x20x4x6xf32>
}
"""
check_vjp(MIXER, "f", [normal(2, 20, 16), normal(16, 1, 4, scale=0.5), normal(2, 20, 4),
                       normal(2, 20, 4), normal(4, scale=0.5), normal(4, scale=0.5),
                       normal(2, 20, 4, 6), normal(2, 20, 4, 6), 1 + normal(6, scale=0.2)])
print("deltanet VJPs match finite differences")
