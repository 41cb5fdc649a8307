"""Finite-difference checks of Zen vector-Jacobian products.

check_vjp(mlir_text, "f", inputs) compiles `mlir_text` with
`zen-opt --zen-differentiate` (so @f must carry `zen.differentiate`) and then
the CPU pipeline, and checks @f_vjp against central differences of @f:

    L(x) = sum_r <w_r, f(x)_r>        (w: fixed random cotangents)
    <vjp(x, w)_i, d> ~= (L(x + h d) - L(x - h d)) / 2h

for every differentiated argument i (floating-point, no `zen.no_grad`) along
`directions` random directions d (each normalised to the size of x_i), and
elementwise on `elements` random entries. Everything runs in f32, so the
tolerance is relative to the largest of |<vjp, d>| and |FD| over the checks
of one argument, and h must be large enough for f32 round-off (h = 1e-2 by
default, with inputs of order 1).

Integer/mask arguments are passed through unchanged. Result specs (dtype,
rank) are read from the function signatures in the differentiated module.
"""

import os
import re
import subprocess

import numpy as np

from zen_exec import Kernel

_ZEN_OPT = os.environ.get("ZEN_OPT", "build/bin/zen-opt")

_TYPE = re.compile(r"tensor<([^>]*)>")


def _parse_tensor(t):
    parts = t.split("x")
    elem = parts[-1]
    rank = len(parts) - 1
    return {"f32": np.float32, "i64": np.int64, "i32": np.int32,
            "i1": np.bool_, "bf16": np.uint16, "f16": np.float16}[elem], rank


def _signature(module_text, name):
    """(arg types, result types) of @name as (dtype, rank) lists."""
    m = re.search(r"func\.func (?:public |private )?@%s\((.*?)\)\s*(?:->\s*"
                  r"(\(.*?\)|tensor<[^>]*>))?\s*(?:attributes|\{)"
                  % re.escape(name), module_text, re.S)
    if not m:
        raise ValueError("no function @%s in the differentiated module" % name)
    args = [_parse_tensor(t) for t in _TYPE.findall(m.group(1))]
    results = [_parse_tensor(t) for t in _TYPE.findall(m.group(2) or "")]
    return args, results


def differentiate(mlir_text):
    """Runs zen-differentiate; returns the resulting module text."""
    out = subprocess.run([_ZEN_OPT, "--zen-differentiate"], input=mlir_text,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("zen-differentiate failed:\n" + out.stderr)
    return out.stdout


class VJPKernel:
    """@f and @f_vjp of one module, compiled once."""

    def __init__(self, mlir_text, name):
        self.name = name
        self.text = differentiate(mlir_text)
        self.kernel = Kernel(self.text)
        self.arg_specs, self.result_specs = _signature(self.text, name)
        vjp_args, self.grad_specs = _signature(self.text, name + "_vjp")
        assert len(vjp_args) == len(self.arg_specs) + len(self.result_specs)

    def forward(self, inputs):
        return self.kernel.call(self.name, inputs, self.result_specs)

    def vjp(self, inputs, cotangents):
        return self.kernel.call(self.name + "_vjp", list(inputs) + list(
            cotangents), self.grad_specs)


def check_vjp(mlir_text, name, inputs, wrt=None, rtol=2e-3, eps=1e-2,
              directions=3, elements=4, seed=0, verbose=True):
    """Checks @name_vjp against finite differences of @name.

    `wrt` lists the indices of the differentiated arguments in order (the
    float arguments without zen.no_grad); by default every float32 input.
    Returns the worst relative error; raises AssertionError above `rtol`.
    """
    rng = np.random.default_rng(seed)
    vk = VJPKernel(mlir_text, name)
    inputs = [np.ascontiguousarray(x) for x in inputs]
    if wrt is None:
        wrt = [i for i, x in enumerate(inputs) if x.dtype == np.float32]
    if len(wrt) != len(vk.grad_specs):
        raise ValueError("@%s_vjp returns %d gradients but wrt lists %d "
                         "arguments" % (name, len(vk.grad_specs), len(wrt)))
    outputs = vk.forward(inputs)
    cotangents = [rng.standard_normal(o.shape).astype(np.float32)
                  for o in outputs]

    def loss(xs):
        return sum(float(np.dot(w.ravel().astype(np.float64),
                                o.ravel().astype(np.float64)))
                   for w, o in zip(cotangents, vk.forward(xs)))

    grads = vk.vjp(inputs, cotangents)
    worst = 0.0
    for grad, i in zip(grads, wrt):
        x = inputs[i]
        assert grad.shape == x.shape, (grad.shape, x.shape)
        probes = []
        for _ in range(directions):
            probes.append(rng.standard_normal(x.shape))
        for _ in range(min(elements, x.size)):
            d = np.zeros(x.shape)
            d.flat[rng.integers(x.size)] = 1.0
            probes.append(d)
        analytic, numeric = [], []
        for d in probes:
            plus, minus = list(inputs), list(inputs)
            plus[i] = (x + eps * d).astype(np.float32)
            minus[i] = (x - eps * d).astype(np.float32)
            numeric.append((loss(plus) - loss(minus)) / (2 * eps))
            analytic.append(float(np.sum(grad.astype(np.float64) * d)))
        analytic, numeric = np.array(analytic), np.array(numeric)
        scale = max(np.max(np.abs(analytic)), np.max(np.abs(numeric)), 1e-6)
        err = float(np.max(np.abs(analytic - numeric)) / scale)
        if verbose:
            print("%s: d/d arg %d: max rel err %.2e (scale %.3g)"
                  % (name, i, err, scale))
        worst = max(worst, err)
        if not np.all(np.isfinite(grad)):
            raise AssertionError("%s: gradient of arg %d is not finite"
                                 % (name, i))
        if err > rtol:
            raise AssertionError(
                "%s: d/d arg %d: VJP %s vs finite differences %s "
                "(rel err %.2e > %.1e)" % (name, i, analytic, numeric, err,
                                            rtol))
    return worst
