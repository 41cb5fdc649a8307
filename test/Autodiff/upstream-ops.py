# RUN: %python %s
# zen-differentiate on the upstream ops the frontend emits between Zen ops
# (residual adds, products, reshapes, slices, concats) and through calls,
# checked against central finite differences.
import numpy as np
from gradcheck import check_vjp

MODULE = r"""
func.func private @layer(%x: tensor<?x6xf32>, %w: tensor<?x6xf32>) -> tensor<?x6xf32> {
  %p = arith.mulf %x, %w : tensor<?x6xf32>
  %s = arith.subf %p, %x : tensor<?x6xf32>
  %y = arith.addf %s, %p : tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}
func.func @f(%x: tensor<?x6xf32>, %w: tensor<?x6xf32>, %v: tensor<?x2xf32>,
             %ids: tensor<?x6xi64>)
    -> (tensor<?x6xf32>, tensor<?x2x3xf32>) attributes {zen.differentiate} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x6xf32>
  // The same callee twice: one backward function serves both calls.
  %h1 = call @layer(%x, %w) : (tensor<?x6xf32>, tensor<?x6xf32>) -> tensor<?x6xf32>
  %h2 = call @layer(%h1, %w) : (tensor<?x6xf32>, tensor<?x6xf32>) -> tensor<?x6xf32>
  %e = tensor.expand_shape %h2 [[0], [1, 2]] output_shape [%n, 2, 3]
      : tensor<?x6xf32> into tensor<?x2x3xf32>
  %sl = tensor.extract_slice %e[0, 0, 1] [%n, 2, 2] [1, 1, 1]
      : tensor<?x2x3xf32> to tensor<?x2x2xf32>
  %c = tensor.collapse_shape %sl [[0], [1, 2]] : tensor<?x2x2xf32> into tensor<?x4xf32>
  %cat = tensor.concat dim(1) %c, %v : (tensor<?x4xf32>, tensor<?x2xf32>) -> tensor<?x6xf32>
  %ins = tensor.insert_slice %v into %cat[0, 1] [%n, 2] [1, 1]
      : tensor<?x2xf32> into tensor<?x6xf32>
  %out = arith.mulf %ins, %x : tensor<?x6xf32>
  %neg = arith.negf %e : tensor<?x2x3xf32>
  return %out, %neg : tensor<?x6xf32>, tensor<?x2x3xf32>
}
"""

rng = np.random.default_rng(1)
n = 3
x = rng.standard_normal((n, 6)).astype(np.float32)
w = rng.standard_normal((n, 6)).astype(np.float32)
v = rng.standard_normal((n, 2)).astype(np.float32)
ids = np.zeros((n, 6), dtype=np.int64)
worst = check_vjp(MODULE, "f", [x, w, v, ids], rtol=2e-3)
print("worst relative error %.2e" % worst)
