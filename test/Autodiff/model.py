# RUN: %python %s
# Finite-difference checks of the model-block VJPs (lib/Dialect/Zen/Autodiff/ModelOpsVJP.cpp)
# through zen-differentiate: linear (+LoRA, frozen base weight), lm_head, rms_norm (plain and
# zero-centred), l2_norm, embedding, rope (full and partial), swiglu, mlp, mask_padding and
# cache-less attention (GQA, causal, left padding, sigmoid gate, T = 1), plus a small
# attention block chaining them. Dynamic batch/sequence dims; sizes that are no multiple of a
# tile.
import numpy as np
from gradcheck import check_vjp

rng = np.random.default_rng(7)
worst = {}


def randn(*shape, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def check(name, text, inputs, **kw):
    worst[name] = check_vjp(text, "f", inputs, verbose=False, **kw)


check("linear+lora", r"""
func.func @f(%x: tensor<?x?x12xf32>, %w: tensor<10x12xf32>, %a: tensor<3x12xf32>, %b: tensor<10x3xf32>)
    -> tensor<?x?x10xf32> attributes {zen.differentiate} {
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
      : tensor<?x?x12xf32>, tensor<10x12xf32>, tensor<3x12xf32>, tensor<10x3xf32>
  return %y : tensor<?x?x10xf32>
}""", [randn(2, 3, 12), randn(10, 12, scale=0.3), randn(3, 12, scale=0.3), randn(10, 3, scale=0.3)])

# LoRA training: the base weight is frozen (zen.no_grad), only x, A, B get gradients.
check("linear lora frozen W", r"""
func.func @f(%x: tensor<?x12xf32>, %w: tensor<10x12xf32> {zen.no_grad}, %a: tensor<3x12xf32>,
             %b: tensor<10x3xf32>) -> tensor<?x10xf32> attributes {zen.differentiate} {
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 0.5 : f64}
      : tensor<?x12xf32>, tensor<10x12xf32>, tensor<3x12xf32>, tensor<10x3xf32>
  return %y : tensor<?x10xf32>
}""", [randn(1, 12), randn(10, 12), randn(3, 12), randn(10, 3)], wrt=[0, 2, 3])

check("lm_head", r"""
func.func @f(%x: tensor<?x?x8xf32>, %w: tensor<37x8xf32>) -> tensor<?x?x37xf32> attributes {zen.differentiate} {
  %y = zen.lm_head %x, %w : tensor<?x?x8xf32>, tensor<37x8xf32>
  return %y : tensor<?x?x37xf32>
}""", [randn(2, 3, 8), randn(37, 8)])

check("rms_norm", r"""
func.func @f(%x: tensor<?x?x20xf32>, %w: tensor<20xf32>) -> tensor<?x?x20xf32> attributes {zen.differentiate} {
  %y = zen.rms_norm %x, %w {eps = 1.0e-05 : f64} : tensor<?x?x20xf32>, tensor<20xf32>
  return %y : tensor<?x?x20xf32>
}""", [randn(2, 3, 20), (1 + 0.2 * randn(20)).astype(np.float32)])

check("rms_norm zero_centered per head", r"""
func.func @f(%x: tensor<?x?x3x16xf32>, %w: tensor<16xf32>) -> tensor<?x?x3x16xf32> attributes {zen.differentiate} {
  %y = zen.rms_norm %x, %w {zero_centered} : tensor<?x?x3x16xf32>, tensor<16xf32>
  return %y : tensor<?x?x3x16xf32>
}""", [randn(2, 1, 3, 16), randn(16, scale=0.2)])

check("l2_norm", r"""
func.func @f(%x: tensor<?x?x2x16xf32>) -> tensor<?x?x2x16xf32> attributes {zen.differentiate} {
  %y = zen.l2_norm %x : tensor<?x?x2x16xf32>
  return %y : tensor<?x?x2x16xf32>
}""", [randn(2, 3, 2, 16)])

# Repeated ids accumulate into one table row; ids are not differentiated.
check("embedding", r"""
func.func @f(%ids: tensor<?x?xi64>, %t: tensor<13x8xf32>) -> tensor<?x?x8xf32> attributes {zen.differentiate} {
  %y = zen.embedding %ids, %t : tensor<?x?xi64>, tensor<13x8xf32>
  return %y : tensor<?x?x8xf32>
}""", [np.array([[3, 5, 3], [0, 12, 3]], np.int64), randn(13, 8)])

pos = np.array([[0, 1, 2], [7, 300, 4001]], np.int64)
check("rope full", r"""
func.func @f(%x: tensor<?x?x2x16xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x2x16xf32> attributes {zen.differentiate} {
  %y = zen.rope %x, %pos {rotary_dim = 16 : i64, theta = 1.0e+06 : f64} : tensor<?x?x2x16xf32>, tensor<?x?xi64>
  return %y : tensor<?x?x2x16xf32>
}""", [randn(2, 3, 2, 16), pos])

check("rope partial", r"""
func.func @f(%x: tensor<?x?x2x24xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x2x24xf32> attributes {zen.differentiate} {
  %y = zen.rope %x, %pos {rotary_dim = 8 : i64, theta = 1.0e+07 : f64} : tensor<?x?x2x24xf32>, tensor<?x?xi64>
  return %y : tensor<?x?x2x24xf32>
}""", [randn(2, 3, 2, 24), pos])

check("swiglu", r"""
func.func @f(%g: tensor<?x?x9xf32>, %u: tensor<?x?x9xf32>) -> tensor<?x?x9xf32> attributes {zen.differentiate} {
  %y = zen.swiglu %g, %u : tensor<?x?x9xf32>
  return %y : tensor<?x?x9xf32>
}""", [randn(2, 3, 9, scale=2), randn(2, 3, 9)])

check("mlp", r"""
func.func @f(%x: tensor<?x?x8xf32>, %wg: tensor<12x8xf32>, %wu: tensor<12x8xf32>, %wd: tensor<8x12xf32>)
    -> tensor<?x?x8xf32> attributes {zen.differentiate} {
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x?x8xf32>, tensor<12x8xf32>, tensor<12x8xf32>, tensor<8x12xf32>
  return %y : tensor<?x?x8xf32>
}""", [randn(2, 3, 8), randn(12, 8, scale=0.5), randn(12, 8, scale=0.5), randn(8, 12, scale=0.5)])

# Frozen gate/up projections: only x and the down projection.
check("mlp frozen gate/up", r"""
func.func @f(%x: tensor<?x8xf32>, %wg: tensor<12x8xf32> {zen.no_grad}, %wu: tensor<12x8xf32> {zen.no_grad},
             %wd: tensor<8x12xf32>) -> tensor<?x8xf32> attributes {zen.differentiate} {
  %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x8xf32>, tensor<12x8xf32>, tensor<12x8xf32>, tensor<8x12xf32>
  return %y : tensor<?x8xf32>
}""", [randn(3, 8), randn(12, 8, scale=0.5), randn(12, 8, scale=0.5), randn(8, 12, scale=0.5)],
      wrt=[0, 3])

mask = np.array([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], np.int64)  # left padding
check("mask_padding", r"""
func.func @f(%x: tensor<?x?x6xf32>, %m: tensor<?x?xi64>) -> tensor<?x?x6xf32> attributes {zen.differentiate} {
  %y = zen.mask_padding %x, %m : tensor<?x?x6xf32>, tensor<?x?xi64>
  return %y : tensor<?x?x6xf32>
}""", [randn(2, 5, 6), mask])

ATTN = r"""
func.func @f(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %m: tensor<?x?xi64>)
    -> tensor<?x?x4x8xf32> attributes {zen.differentiate} {
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi64>) {causal}
      : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
  return %o : tensor<?x?x4x8xf32>
}"""
check("attention gqa causal padded", ATTN,
      [randn(2, 5, 4, 8), randn(2, 5, 2, 8), randn(2, 5, 2, 8), mask])
check("attention T=1", ATTN,
      [randn(1, 1, 4, 8), randn(1, 1, 2, 8), randn(1, 1, 2, 8), np.ones((1, 1), np.int64)])

check("attention gated", r"""
func.func @f(%q: tensor<?x?x6x8xf32>, %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %g: tensor<?x?x6x8xf32>)
    -> tensor<?x?x6x8xf32> attributes {zen.differentiate} {
  %o = zen.attention %q, %k, %v gate(%g) {causal, scale = 0.25 : f64}
      : tensor<?x?x6x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
  return %o : tensor<?x?x6x8xf32>
}""", [randn(2, 4, 6, 8), randn(2, 4, 2, 8), randn(2, 4, 2, 8), randn(2, 4, 6, 8)])

# A Qwen3 attention block: input norm, q/k/v projections, per-head q/k norms, RoPE, GQA
# attention with padding, o projection (LoRA on q), residual. Frozen base q weight. The chain
# is curved enough that h = 1e-2 leaves ~3e-3 of O(h^2) truncation in the LoRA A probe
# (7e-4 at h = 3e-3, 2e-4 at 1e-3): h = 3e-3 here.
check("attention block", r"""
func.func @f(%h: tensor<?x?x16xf32>, %wn: tensor<16xf32>, %wq: tensor<32x16xf32> {zen.no_grad},
             %qa: tensor<2x16xf32>, %qb: tensor<32x2xf32>, %wk: tensor<16x16xf32>,
             %wv: tensor<16x16xf32>, %qn: tensor<8xf32>, %kn: tensor<8xf32>, %wo: tensor<16x32xf32>,
             %pos: tensor<?x?xi64>, %m: tensor<?x?xi64>) -> tensor<?x?x16xf32> attributes {zen.differentiate} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %h, %c0 : tensor<?x?x16xf32>
  %t = tensor.dim %h, %c1 : tensor<?x?x16xf32>
  %x = zen.rms_norm %h, %wn : tensor<?x?x16xf32>, tensor<16xf32>
  %q = zen.linear %x, %wq lora(%qa, %qb) {lora_scale = 2.0 : f64}
      : tensor<?x?x16xf32>, tensor<32x16xf32>, tensor<2x16xf32>, tensor<32x2xf32>
  %k = zen.linear %x, %wk : tensor<?x?x16xf32>, tensor<16x16xf32>
  %v = zen.linear %x, %wv : tensor<?x?x16xf32>, tensor<16x16xf32>
  %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [%b, %t, 4, 8] : tensor<?x?x32xf32> into tensor<?x?x4x8xf32>
  %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [%b, %t, 2, 8] : tensor<?x?x16xf32> into tensor<?x?x2x8xf32>
  %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [%b, %t, 2, 8] : tensor<?x?x16xf32> into tensor<?x?x2x8xf32>
  %qn4 = zen.rms_norm %q4, %qn : tensor<?x?x4x8xf32>, tensor<8xf32>
  %kn4 = zen.rms_norm %k4, %kn : tensor<?x?x2x8xf32>, tensor<8xf32>
  %qr = zen.rope %qn4, %pos {rotary_dim = 8 : i64, theta = 1.0e+06 : f64} : tensor<?x?x4x8xf32>, tensor<?x?xi64>
  %kr = zen.rope %kn4, %pos {rotary_dim = 8 : i64, theta = 1.0e+06 : f64} : tensor<?x?x2x8xf32>, tensor<?x?xi64>
  %o = zen.attention %qr, %kr, %v4 mask(%m : tensor<?x?xi64>) {causal}
      : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>
  %o2 = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<?x?x4x8xf32> into tensor<?x?x32xf32>
  %y = zen.linear %o2, %wo : tensor<?x?x32xf32>, tensor<16x32xf32>
  %r = arith.addf %h, %y : tensor<?x?x16xf32>
  return %r : tensor<?x?x16xf32>
}""", [randn(2, 5, 16), (1 + 0.1 * randn(16)).astype(np.float32), randn(32, 16, scale=0.3),
       randn(2, 16, scale=0.3), randn(32, 2, scale=0.3), randn(16, 16, scale=0.3),
       randn(16, 16, scale=0.3), (1 + 0.1 * randn(8)).astype(np.float32),
       (1 + 0.1 * randn(8)).astype(np.float32), randn(16, 32, scale=0.3),
       np.array([[0, 0, 0, 1, 2], [0, 1, 2, 3, 4]], np.int64),
       np.array([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], np.int64)],
      wrt=[0, 1, 3, 4, 5, 6, 7, 8, 9], eps=3e-3)

for name, err in worst.items():
    print(f"{name}: worst relative error {err:.2e}")
