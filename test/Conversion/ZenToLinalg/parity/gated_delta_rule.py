# RUN: %python %s
"""zen.gated_delta_rule, chunked and recurrent, against
test/reference/ops.py's gated_delta_rule_chunked / _recurrent.

Hk = 2, Hv = 4 (value head h reads key head h // 2), dk = 8, dv = 12 (dk !=
dv catches transposed states); B and T are dynamic: B = 2 with T = 37, not a
multiple of the chunk (C = 16 and the default 64), and B = 1 with T = 1, the
decode step. Each form runs with the L2 norm and an initial state and with
neither; the compiled chunked and recurrent forms are also compared with each
other, and one function has dynamic head counts and dk. The initial state is
passed without a copy, so the reference also checks it is left unwritten.

Tolerances, max|d|/max|ref|: f32 1e-5 (observed <= 1e-6). bf16 runs the same
f32 math on bf16-rounded inputs and rounds the output once: out within 1e-2
(one bf16 ulp is 2^-8 relative), final_state (f32) within 1e-5."""

import numpy as np

from reference import ops
from zen_exec import Kernel, from_bf16, to_bf16

HK, HV, DK, DV = 2, 4, 8, 12

SIG = """(%q: tensor<?x?x{HK}x{DK}x{T}>, %k: tensor<?x?x{HK}x{DK}x{T}>,
    %v: tensor<?x?x{HV}x{DV}x{T}>, %g: tensor<?x?x{HV}xf32>, %b: tensor<?x?x{HV}xf32>{extra})
    -> (tensor<?x?x{HV}x{DV}x{T}>, tensor<?x{HV}x{DK}x{DV}xf32>)"""
TYPES = """tensor<?x?x{HK}x{DK}x{T}>, tensor<?x?x{HK}x{DK}x{T}>,
      tensor<?x?x{HV}x{DV}x{T}>, tensor<?x?x{HV}xf32>, tensor<?x?x{HV}xf32>{extra}"""
STATE_ARG = ", %s0: tensor<?x{HV}x{DK}x{DV}xf32>"
STATE_TYPE = ", tensor<?x{HV}x{DK}x{DV}xf32>"

# name: (attributes, with initial state). Each form runs once with the L2
# norm and an initial state and once with neither (and an explicit scale).
FUNCS = {
    "chunked16": ("mode = #zen.delta_rule_mode<chunked>, chunk_size = 16 : i64, use_qk_l2norm",
                  True),
    "chunked64_plain": ("scale = 0.5 : f64", False),
    "recurrent": ("mode = #zen.delta_rule_mode<recurrent>, use_qk_l2norm", True),
    "recurrent_plain": ("mode = #zen.delta_rule_mode<recurrent>, scale = 0.5 : f64", False),
}
# bf16 only changes the casts at the edges; two functions keep the compile short.
BF16_FUNCS = ("chunked16", "recurrent")

# Dynamic head counts and dk: the head expansion reads key heads with
# tensor.extract and dk^-0.5 is computed at run time.
DYN_HEADS = """
func.func @dyn_heads(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
    %v: tensor<?x?x?x?xf32>, %g: tensor<?x?x?xf32>, %b: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) {
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %b {chunk_size = 16 : i64, use_qk_l2norm}
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>,
        tensor<?x?x?xf32>, tensor<?x?x?xf32>
  return %o, %s : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
}
"""


def funcs(dtype):
    return [(n, f) for n, f in FUNCS.items() if dtype == "f32" or n in BF16_FUNCS]


def module(dtype):
    dims = dict(HK=HK, HV=HV, DK=DK, DV=DV, T=dtype)
    text = []
    for name, (attrs, with_state) in funcs(dtype):
        extra = STATE_ARG.format(**dims) if with_state else ""
        extra_type = STATE_TYPE.format(**dims) if with_state else ""
        state = " initial_state(%s0)" if with_state else ""
        sig = SIG.format(extra=extra, **dims)
        types = TYPES.format(extra=extra_type, **dims)
        out_types = "tensor<?x?x{HV}x{DV}x{T}>, tensor<?x{HV}x{DK}x{DV}xf32>".format(**dims)
        text.append(f"""
func.func @{name}{sig} {{
  %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %b{state} {{{attrs}}}
      : {types}
  return %o, %s : {out_types}
}}""")
    if dtype == "f32":
        text.append(DYN_HEADS)
    return "\n".join(text)


def inputs(rng, B, T, plain):
    """Random q, k, v, g (log-decays <= 0), beta in (0, 1), initial state.
    Without the L2 norm q and k are kept small so the state stays bounded."""
    qk = 0.3 if plain else 1.0
    q = (qk * rng.standard_normal((B, T, HK, DK))).astype(np.float32)
    k = (qk * rng.standard_normal((B, T, HK, DK))).astype(np.float32)
    v = rng.standard_normal((B, T, HV, DV)).astype(np.float32)
    g = -rng.uniform(0.01, 0.7, (B, T, HV)).astype(np.float32)
    beta = (1 / (1 + np.exp(-rng.standard_normal((B, T, HV))))).astype(np.float32)
    s0 = (0.5 * rng.standard_normal((B, HV, DK, DV))).astype(np.float32)
    return q, k, v, g, beta, s0


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))


def check(dtype, out_tol, state_tol):
    kernel = Kernel(module(dtype))
    rng = np.random.default_rng(7)
    if dtype == "bf16":
        enc, dec, out_t = to_bf16, from_bf16, np.uint16
    else:
        enc, dec, out_t = (lambda t: t), (lambda t: t), np.float32
    results = {}
    for B, T in ((2, 37), (1, 1)):
        for name, (attrs, with_state) in funcs(dtype):
            plain = "use_qk_l2norm" not in attrs
            q, k, v, g, beta, s0 = inputs(rng, B, T, plain)
            if dtype == "bf16":
                # Round the inputs first, so both sides see the same values.
                q, k, v = (from_bf16(to_bf16(t)) for t in (q, k, v))
            args = [enc(q), enc(k), enc(v), g, beta] + ([s0] if with_state else [])
            got_o, got_s = kernel.call(name, args, [(out_t, 4), (np.float32, 4)])
            got_o = dec(got_o)
            kw = dict(initial_state=s0 if with_state else None,
                      use_qk_l2norm=not plain, scale=0.5 if plain else None)
            if name.startswith("recurrent"):
                ref_o, ref_s = ops.gated_delta_rule_recurrent(q, k, v, g, beta, **kw)
            else:
                chunk = 16 if name == "chunked16" else 64
                ref_o, ref_s = ops.gated_delta_rule_chunked(q, k, v, g, beta,
                                                            chunk_size=chunk, **kw)
            err_o, err_s = rel_err(got_o, ref_o), rel_err(got_s, ref_s)
            label = f"{name} {dtype} B={B} T={T}"
            assert got_o.shape == ref_o.shape, f"{label}: out shape {got_o.shape}"
            assert err_o <= out_tol, f"{label}: out max|d|/max|ref| = {err_o:.3g}"
            assert err_s <= state_tol, f"{label}: state max|d|/max|ref| = {err_s:.3g}"
            print(f"{label}: out {err_o:.2e} state {err_s:.2e}")
            results[name, T] = (got_o, got_s, args)

    # The compiled chunked and recurrent forms agree with each other: rerun the
    # recurrent kernel on the chunked16 inputs (same attributes otherwise).
    for T in (37, 1):
        chunk_o, chunk_s, args = results["chunked16", T]
        rec_o, rec_s = kernel.call("recurrent", args, [(out_t, 4), (np.float32, 4)])
        err_o, err_s = rel_err(chunk_o, dec(rec_o)), rel_err(chunk_s, rec_s)
        assert err_o <= out_tol and err_s <= state_tol, (
            f"chunked vs recurrent {dtype} T={T}: out {err_o:.3g} state {err_s:.3g}")
        print(f"chunked == recurrent {dtype} T={T}: out {err_o:.2e} state {err_s:.2e}")

    if dtype == "f32":
        q, k, v, g, beta, _ = inputs(rng, 2, 37, False)
        got_o, got_s = kernel.call("dyn_heads", [q, k, v, g, beta],
                                   [(np.float32, 4), (np.float32, 4)])
        ref_o, ref_s = ops.gated_delta_rule_chunked(q, k, v, g, beta, chunk_size=16)
        err_o, err_s = rel_err(got_o, ref_o), rel_err(got_s, ref_s)
        assert err_o <= out_tol and err_s <= state_tol, (
            f"dyn_heads: out {err_o:.3g} state {err_s:.3g}")
        print(f"dyn_heads f32 T=37: out {err_o:.2e} state {err_s:.2e}")


check("f32", 1e-5, 1e-5)
check("bf16", 1e-2, 1e-5)
