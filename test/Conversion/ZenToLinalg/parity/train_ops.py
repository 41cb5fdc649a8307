# RUN: %python %s
"""The GSPO / GRPO training-step ops and their backward ops, compiled with
zen-cpu-pipeline, against test/reference/training.py (float64) and every
number of the worked example in shared/reference/gspo-training.md §8.

Tolerance (f32 kernels against float64 figures): |got - ref| <= 2e-6 + 1e-5 |ref|
elementwise for the §8 figures and the small losses; max|d| / max|ref| <= 1e-5
for arrays (1e-4 for the fused log-prob's gradients, sums over V = 4173 terms in
f32). bf16 selective log-prob: 3e-2 relative (bf16 logits, as HF / TRL).
"""

import numpy as np

from reference import training as tr
from zen_exec import Kernel, from_bf16, to_bf16

F32 = np.float32
TOKEN_FNS = """
func.func @logp_{name}(%h: tensor<?x?x{H}xf32>, %w: tensor<{V}x{H}xf32>, %y: tensor<?x?xi64>) -> tensor<?x?xf32> {{
  %l = zen.token_logprobs %h, %w, %y {{temperature = {tau} : f64{extra}}} : tensor<?x?x{H}xf32>, tensor<{V}x{H}xf32>, tensor<?x?xi64>
  return %l : tensor<?x?xf32>
}}
func.func @grad_{name}(%h: tensor<?x?x{H}xf32>, %w: tensor<{V}x{H}xf32>, %y: tensor<?x?xi64>, %g: tensor<?x?xf32>) -> (tensor<?x?x{H}xf32>, tensor<{V}x{H}xf32>) {{
  %l = zen.token_logprobs %h, %w, %y {{temperature = {tau} : f64{extra}}} : tensor<?x?x{H}xf32>, tensor<{V}x{H}xf32>, tensor<?x?xi64>
  %dh, %dw = zen.token_logprobs_grad %h, %w, %y, %l, %g {{temperature = {tau} : f64{extra}}}
      : tensor<?x?x{H}xf32>, tensor<{V}x{H}xf32>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x{H}xf32> lm_head_w_grad tensor<{V}x{H}xf32>
  return %dh, %dw : tensor<?x?x{H}xf32>, tensor<{V}x{H}xf32>
}}
"""

GSPO_FN = """
func.func @{name}(%lp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %a: tensor<?xf32>, %m: tensor<?x?x{M}>, %g: tensor<f32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<?x?xf32>) {{
  %l, %r, %c = zen.gspo_loss %lp, %old, %a, %m {{{attrs}}} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?x{M}>
  %d = zen.gspo_loss_grad %g, %lp, %old, %a, %m {{{attrs}}} : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?x{M}>
  return %l, %r, %c, %d : tensor<f32>, tensor<f32>, tensor<f32>, tensor<?x?xf32>
}}
"""

GRPO_FN = """
func.func @{name}(%lp: tensor<?x?xf32>, %old: tensor<?x?xf32>, %a: tensor<?xf32>, %m: tensor<?x?xf32>, %ref: tensor<?x?xf32>, %g: tensor<f32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<?x?xf32>) {{
  %l, %r, %c = zen.grpo_loss %lp, %old, %a, %m ref(%ref) {{{attrs}}} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
  %d = zen.grpo_loss_grad %g, %lp, %old, %a, %m ref(%ref) {{{attrs}}} : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xf32>
  return %l, %r, %c, %d : tensor<f32>, tensor<f32>, tensor<f32>, tensor<?x?xf32>
}}
"""

ADV_FN = """
func.func @adv_{name}(%r: tensor<?xf32>) -> tensor<?xf32> {{
  %a = zen.group_advantages %r {{{attrs}}} : tensor<?xf32>
  return %a : tensor<?xf32>
}}
"""

OPT_FNS = """
func.func @clip(%a: tensor<1xf32>, %b: tensor<?xf32>) -> (tensor<1xf32>, tensor<?xf32>, tensor<f32>) {
  %c:2, %n = zen.clip_grad_norm %a, %b {max_norm = 1.0 : f64} : tensor<1xf32>, tensor<?xf32>
  return %c#0, %c#1, %n : tensor<1xf32>, tensor<?xf32>, tensor<f32>
}
func.func @clip_big(%a: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<f32>) {
  %c, %n = zen.clip_grad_norm %a {max_norm = 100.0 : f64} : tensor<?x?xf32>
  return %c, %n : tensor<?x?xf32>, tensor<f32>
}
func.func @adamw(%p: tensor<2xf32>, %g: tensor<2xf32>, %m: tensor<2xf32>, %v: tensor<2xf32>, %t: tensor<i64>)
    -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t)
      {lr = 1.0e-03 : f64, weight_decay = 1.0e-02 : f64} : tensor<2xf32>
  return %r#0, %r#1, %r#2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
func.func @adamw_lr(%p: tensor<2xf32>, %g: tensor<2xf32>, %m: tensor<2xf32>, %v: tensor<2xf32>,
                    %t: tensor<i64>, %lr: tensor<f32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) lr(%lr)
      {lr = 5.0e-01 : f64, weight_decay = 1.0e-02 : f64} : tensor<2xf32>
  return %r#0, %r#1, %r#2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
func.func @adamw2(%p: tensor<?x3xf32>, %q: tensor<5xf32>, %g: tensor<?x3xf32>, %gq: tensor<5xf32>,
                  %m: tensor<?x3xf32>, %mq: tensor<5xf32>, %v: tensor<?x3xf32>, %vq: tensor<5xf32>, %t: tensor<i64>)
    -> (tensor<?x3xf32>, tensor<5xf32>, tensor<?x3xf32>, tensor<5xf32>, tensor<?x3xf32>, tensor<5xf32>) {
  %r:6 = zen.adamw params(%p, %q) grads(%g, %gq) exp_avg(%m, %mq) exp_avg_sq(%v, %vq) step(%t)
      {lr = 3.0e-02 : f64, beta1 = 0.8 : f64, beta2 = 0.99 : f64, eps = 1.0e-06 : f64, weight_decay = 0.1 : f64}
      : tensor<?x3xf32>, tensor<5xf32>
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5
      : tensor<?x3xf32>, tensor<5xf32>, tensor<?x3xf32>, tensor<5xf32>, tensor<?x3xf32>, tensor<5xf32>
}
"""

GSPO_CASES = {
    "gspo_paper": "",
    "gspo_wide": "eps_low = 2.0e-01 : f64, eps_high = 2.0e-01 : f64",
    "gspo_token": "level = #zen.gspo_level<token>",
    "gspo_token_wide": "eps_low = 2.0e-01 : f64, eps_high = 2.0e-01 : f64, "
                       "level = #zen.gspo_level<token>",
}
GRPO_CASES = {}
for loss_type in ("grpo", "bnpo", "dr_grpo", "dapo"):
    for beta in (0.0, 0.04):
        GRPO_CASES[(loss_type, beta)] = (
            f"beta = {beta:.2e} : f64, loss_type = #zen.grpo_loss_type<{loss_type}>")
GRPO_CASES[("dr_grpo_len", 0.04)] = ("beta = 4.0e-02 : f64, max_completion_length = 6 : i64, "
                                     "loss_type = #zen.grpo_loss_type<dr_grpo>")
GRPO_CASES[("kl_only", 1.0)] = "beta = 1.0 : f64, loss_type = #zen.grpo_loss_type<bnpo>"
ADV_CASES = {
    "group": "group_size = 4 : i64",
    "group_eps0": "group_size = 3 : i64, eps = 0.0 : f64",
    "batch": "group_size = 3 : i64, scaling = #zen.reward_scaling<batch>",
    "none": "group_size = 3 : i64, scaling = #zen.reward_scaling<none>",
    "single": "group_size = 1 : i64",
}

BF16_FNS = """
func.func @logp_bf16(%h: tensor<?x?x8xbf16>, %w: tensor<300x8xbf16>, %y: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %l = zen.token_logprobs %h, %w, %y {temperature = 7.0e-01 : f64} : tensor<?x?x8xbf16>, tensor<300x8xbf16>, tensor<?x?xi64>
  return %l : tensor<?x?xf32>
}
func.func @grad_bf16(%h: tensor<?x?x8xbf16>, %w: tensor<300x8xbf16>, %y: tensor<?x?xi64>, %g: tensor<?x?xf32>) -> (tensor<?x?x8xbf16>, tensor<300x8xbf16>) {
  %l = zen.token_logprobs %h, %w, %y {temperature = 7.0e-01 : f64} : tensor<?x?x8xbf16>, tensor<300x8xbf16>, tensor<?x?xi64>
  %dh, %dw = zen.token_logprobs_grad %h, %w, %y, %l, %g {temperature = 7.0e-01 : f64}
      : tensor<?x?x8xbf16>, tensor<300x8xbf16>, tensor<?x?xi64>, tensor<?x?xf32>, tensor<?x?xf32>
      -> hidden_grad tensor<?x?x8xbf16> lm_head_w_grad tensor<300x8xbf16>
  return %dh, %dw : tensor<?x?x8xbf16>, tensor<300x8xbf16>
}
"""

V_BIG = 2 * 2048 + 77  # the lowering's vocabulary tile is 2048: two full tiles + a partial one


def build_module():
    parts = [TOKEN_FNS.format(name="ex", H=4, V=4, tau="7.0e-01", extra=""),
             TOKEN_FNS.format(name="big", H=8, V=V_BIG, tau="7.0e-01", extra=""),
             TOKEN_FNS.format(name="small", H=6, V=37, tau="1.0", extra="")]
    # The unfused baseline (materialize_logits: the whole [tokens x V] logits in one tile).
    parts += [TOKEN_FNS.format(name=f"{name}_whole", H=H, V=V, tau=tau, extra=", materialize_logits")
              for name, H, V, tau in (("big", 8, V_BIG, "7.0e-01"), ("small", 6, 37, "1.0"))]
    for name, attrs in GSPO_CASES.items():
        parts.append(GSPO_FN.format(name=name, attrs=attrs, M="f32"))
    parts.append(GSPO_FN.format(name="gspo_i1", attrs="", M="i1"))
    for (loss_type, beta), attrs in GRPO_CASES.items():
        parts.append(GRPO_FN.format(name=f"grpo_{loss_type}_{int(beta * 100)}", attrs=attrs))
    for name, attrs in ADV_CASES.items():
        parts.append(ADV_FN.format(name=name, attrs=attrs))
    parts.append(OPT_FNS)
    parts.append(BF16_FNS)
    return "\n".join(parts)


KERNEL = Kernel(build_module())


def check_close(what, got, ref, atol=2e-6, rtol=1e-5):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    assert np.all(np.isfinite(got)), f"{what}: non-finite values {got}"
    err = np.abs(got - ref)
    bad = err > atol + rtol * np.abs(ref)
    assert not bad.any(), f"{what}: got {got}, expected {ref} (max |d| {err.max():.3g})"
    return float(err.max())


def check_rel(what, got, ref, tol=1e-5):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    err = float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30))
    assert err <= tol, f"{what}: max|d|/max|ref| = {err:.3g} > {tol}"
    return err


REPORT = []


def record(what, err):
    """Prints a check's error: max |d| (check_close) or max|d|/max|ref| (check_rel)."""
    REPORT.append((what, err))
    print(f"{what}: {err:.2e}")


# -------------------------------------------------------------------------------------------
# §8 batch
# -------------------------------------------------------------------------------------------

MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]], F32)
LOGP = np.array([[-0.50, -1.20, -0.30, 0], [-2.00, -0.10, 0, 0],
                 [-0.70, -0.90, -1.10, -0.40], [-1.50, -0.20, -0.60, 0]])
OLD = np.array([[-0.55, -1.10, -0.35, 0], [-1.90, -0.15, 0, 0],
                [-0.60, -1.00, -1.00, -0.50], [-1.20, -0.30, -0.90, 0]])
REF = np.array([[-0.60, -1.00, -0.40, 0], [-2.10, -0.10, 0, 0],
                [-0.80, -0.80, -1.20, -0.30], [-1.40, -0.25, -0.50, 0]])
REWARDS = np.array([1.0, 0.0, 0.5, 0.0])
A_DOC = np.array([1.3053097494, -0.7831858496, 0.2610619499, -0.7831858496])
ONE = np.array(1.0, F32)


def call_loss(name, inputs):
    return KERNEL.call(name, [np.asarray(x, F32) for x in inputs] + [ONE],
                       [(F32, 0)] * 3 + [(F32, 2)])


def worked_example():
    # Advantages.
    (adv,) = KERNEL.call("adv_group", [REWARDS.astype(F32)], [(F32, 1)])
    record("§8 advantages", check_close("§8 A", adv, A_DOC))

    # GSPO, paper clip range: loss, ratios, per-token gradient rows.
    s_doc = np.array([1, 0.9753099120, 1, 1.0338951135])
    for name in ("gspo_paper", "gspo_token"):
        loss, ratio, clip, grad = call_loss(name, [LOGP, OLD, A_DOC, MASK])
        rows = np.array([-0.1087758124, 0.0, -0.0163163719, 0.0674776686])
        record(f"§8 {name} loss", check_close(f"{name} loss", loss, 0.006577804379988311))
        record(f"§8 {name} d loss/d logp",
               check_close(f"{name} grad", grad, rows[:, None] * MASK))
        check_close(f"{name} mean ratio", ratio, s_doc.mean())
        check_close(f"{name} clip fraction", clip, 0.25)  # row 1 clipped
    for name in ("gspo_wide", "gspo_token_wide"):
        loss, ratio, clip, grad = call_loss(name, [LOGP, OLD, A_DOC, MASK])
        rows = np.array([-0.1087758124, 0.0954811153, -0.0163163719, 0.0674776686])
        record(f"§8 {name} loss", check_close(f"{name} loss", loss, 0.0018023114374355054))
        record(f"§8 {name} d loss/d logp",
               check_close(f"{name} grad", grad, rows[:, None] * MASK))
        check_close(f"{name} clip fraction", clip, 0.0)
    # On-policy: old = logp gives s = 1.
    loss, ratio, clip, grad = call_loss("gspo_paper", [LOGP, LOGP, A_DOC, MASK])
    rows = np.array([-0.1087758124, 0.0978982312, -0.0163163719, 0.0652654875])
    record("§8 on-policy d loss/d logp", check_close("on-policy grad", grad, rows[:, None] * MASK))
    check_close("on-policy ratio", ratio, 1.0)

    # GRPO, every loss_type with and without the KL term.
    doc = {("grpo", 0.0): 0.011218417932999103, ("grpo", 0.04): 0.01143480955335055,
           ("bnpo", 0.0): -0.07447879891181852, ("bnpo", 0.04): -0.07425378909467424,
           ("dr_grpo", 0.0): -0.05585909918386389, ("dr_grpo", 0.04): -0.055690341821005684,
           ("dapo", 0.0): -0.07447879891181852, ("dapo", 0.04): -0.07425378909467424}
    for (loss_type, beta), value in doc.items():
        name = f"grpo_{loss_type}_{int(beta * 100)}"
        loss, ratio, clip, grad = call_loss(name, [LOGP, OLD, A_DOC, MASK, REF])
        ref = tr.grpo_loss(LOGP, OLD, A_DOC, MASK, REF, beta=beta, loss_type=loss_type)
        record(f"§8 GRPO {loss_type} beta={beta} loss", check_close(name, loss, value))
        check_close(f"{name} (reference)", ref.loss, value, atol=1e-9, rtol=1e-8)
        record(f"§8 GRPO {loss_type} beta={beta} d loss/d logp",
               check_close(f"{name} grad", grad, ref.grad))
        check_close(f"{name} mean ratio", ratio, ref.mean_ratio)
        check_close(f"{name} clip fraction", clip, ref.clip_fraction)

    # k3 KL of row 0, token by token: A = 0, rho = 1 and beta = 1 leave the KL alone.
    kl = []
    for t in range(3):
        only = np.zeros_like(MASK)
        only[0, t] = 1
        loss, _, _, _ = call_loss("grpo_kl_only_100", [LOGP, LOGP, 0 * A_DOC, only, REF])
        kl.append(float(loss))
    record("§8 k3 KL row 0", check_close("k3 KL", kl, [0.004837418, 0.0214027582, 0.004837418],
                                         atol=1e-7, rtol=1e-5))

    # Selective log-prob with tau = 0.7: hidden = z and an identity head give z = h W^T and
    # d logp / d z = d logp / d hidden.
    z = np.array([[[2.0, -1.0, 0.5, 0.0]]], F32)
    eye = np.eye(4, dtype=F32)
    y = np.array([[2]], np.int64)
    (logp,) = KERNEL.call("logp_ex", [z, eye, y], [(F32, 2)])
    record("§8 selective log-prob", check_close("selective logp", logp[0, 0], -2.315562252898985))
    dh, dw = KERNEL.call("grad_ex", [z, eye, y, np.ones((1, 1), F32)], [(F32, 3), (F32, 2)])
    dz_doc = np.array([-1.2019795635, -0.0165437904, 1.2875561885, -0.0690328346])
    record("§8 d logp/d z", check_close("d logp/d z", dh[0, 0], dz_doc))
    check_close("d logp/d W (identity head)", dw, dz_doc[:, None] * z[0, 0][None, :])

    # Clip: g = [3, 4], max_norm 1.
    a, b, total = KERNEL.call("clip", [np.array([3.0], F32), np.array([4.0], F32)],
                              [(F32, 1), (F32, 1), (F32, 0)])
    record("§8 clip", check_close("clip", [a[0], b[0], total], [0.59999988, 0.79999984, 5.0],
                                  atol=1e-7, rtol=0))

    # AdamW, two steps.
    p = np.array([0.5, -0.3], F32)
    g = np.array([0.1, -0.2], F32)
    m = np.zeros(2, F32)
    v = np.zeros(2, F32)
    expected = [[0.49899500010000003, -0.29899700005], [0.49799001024999906, -0.29799401012999954]]
    for step, want in zip((1, 2), expected):
        p, m, v = KERNEL.call("adamw", [p, g, m, v, np.array(step, np.int64)], [(F32, 1)] * 3)
        record(f"§8 AdamW step {step}", check_close(f"adamw step {step}", p, want, atol=1e-7, rtol=0))
    # The same two steps with lr 1e-3 passed at run time (the attribute says 0.5).
    p = np.array([0.5, -0.3], F32)
    m = np.zeros(2, F32)
    v = np.zeros(2, F32)
    for step, want in zip((1, 2), expected):
        p, m, v = KERNEL.call("adamw_lr", [p, g, m, v, np.array(step, np.int64),
                                           np.array(1e-3, F32)], [(F32, 1)] * 3)
        record(f"§8 AdamW step {step}, run-time lr",
               check_close(f"adamw run-time lr step {step}", p, want, atol=1e-7, rtol=0))


# -------------------------------------------------------------------------------------------
# Beyond §8 (train §9)
# -------------------------------------------------------------------------------------------

def fused_logprobs():
    rng = np.random.default_rng(0)
    for name, V, H, tau in (("big", V_BIG, 8, 0.7), ("small", 37, 6, 1.0)):
        N, T = 2, 3
        h = rng.standard_normal((N, T, H)).astype(F32)
        w = (0.5 * rng.standard_normal((V, H))).astype(F32)
        y = rng.integers(0, V, (N, T)).astype(np.int64)
        y[0, 0], y[1, 2] = 0, V - 1  # first and last vocabulary rows
        g = rng.standard_normal((N, T)).astype(F32)
        z = h.astype(np.float64) @ w.astype(np.float64).T
        naive = tr.token_logprobs(z, y, tau)
        (logp,) = KERNEL.call(f"logp_{name}", [h, w, y], [(F32, 2)])
        record(f"fused log-prob V={V} == naive log_softmax(z/tau)[y]",
               check_rel(f"logp {name}", logp, naive, 1e-5))
        dz = g[..., None] * tr.token_logprobs_grad(z, y, tau)
        dh_ref = dz @ w.astype(np.float64)
        dw_ref = np.einsum("ntv,nth->vh", dz, h.astype(np.float64))
        dh, dw = KERNEL.call(f"grad_{name}", [h, w, y, g], [(F32, 3), (F32, 2)])
        record(f"fused log-prob V={V} d hidden == naive", check_rel(f"dh {name}", dh, dh_ref, 1e-4))
        record(f"fused log-prob V={V} d lm_head == naive", check_rel(f"dw {name}", dw, dw_ref, 1e-4))
        tiled = tr.token_logprobs_tiled_backward(h, w, y, g, tau, tile=2048)
        check_rel(f"dh {name} (tiled reference)", dh, tiled[0], 1e-4)
        # materialize_logits: the same math on the whole [tokens x V] logits.
        (logp_whole,) = KERNEL.call(f"logp_{name}_whole", [h, w, y], [(F32, 2)])
        dh_whole, dw_whole = KERNEL.call(f"grad_{name}_whole", [h, w, y, g], [(F32, 3), (F32, 2)])
        record(f"materialized log-prob V={V} == naive",
               max(check_rel(f"logp {name} whole", logp_whole, naive, 1e-5),
                   check_rel(f"dh {name} whole", dh_whole, dh_ref, 1e-4),
                   check_rel(f"dw {name} whole", dw_whole, dw_ref, 1e-4)))
    # bf16 hidden states and head: the logits are rounded to bf16 (HF's lm_head output) and
    # divided by tau in bf16 (TRL), so both sides differ by bf16 roundings: 3e-2 relative.
    h = from_bf16(to_bf16(rng.standard_normal((2, 3, 8)).astype(F32)))
    w = from_bf16(to_bf16((0.5 * rng.standard_normal((300, 8))).astype(F32)))
    y = rng.integers(0, 300, (2, 3)).astype(np.int64)
    g = rng.standard_normal((2, 3)).astype(F32)
    z = h.astype(np.float64) @ w.astype(np.float64).T
    (logp,) = KERNEL.call("logp_bf16", [to_bf16(h), to_bf16(w), y], [(F32, 2)])
    record("fused log-prob bf16", check_rel("logp bf16", logp, tr.token_logprobs(z, y, 0.7), 3e-2))
    dz = g[..., None] * tr.token_logprobs_grad(z, y, 0.7)
    dh, dw = KERNEL.call("grad_bf16", [to_bf16(h), to_bf16(w), y, g], [(np.uint16, 3), (np.uint16, 2)])
    record("fused log-prob bf16 d hidden",
           check_rel("dh bf16", from_bf16(dh), dz @ w.astype(np.float64), 3e-2))
    record("fused log-prob bf16 d lm_head",
           check_rel("dw bf16", from_bf16(dw), np.einsum("ntv,nth->vh", dz, h.astype(np.float64)), 3e-2))


def policy_losses():
    rng = np.random.default_rng(1)
    N, T = 6, 5
    logp = -rng.uniform(0.05, 2.5, (N, T))
    old = logp + 0.2 * rng.standard_normal((N, T))
    ref = logp + 0.2 * rng.standard_normal((N, T))
    mask = (rng.uniform(size=(N, T)) < 0.8).astype(F32)
    mask[2] = 0  # an all-masked row contributes nothing
    adv = rng.standard_normal(N)
    adv[4] = 0.0
    for name, kwargs in (("gspo_paper", {}), ("gspo_wide", dict(eps_low=0.2, eps_high=0.2))):
        got = call_loss(name, [logp, old, adv, mask])
        ref_seq = tr.gspo_loss(logp, old, adv, mask, **kwargs)
        record(f"GSPO {name} N={N} T={T} loss", check_close(name, got[0], ref_seq.loss))
        check_close(f"{name} ratio", got[1], ref_seq.mean_ratio)
        check_close(f"{name} clip", got[2], ref_seq.clip_fraction)
        record(f"GSPO {name} grad", check_rel(f"{name} grad", got[3], ref_seq.grad))
        assert not got[3][2].any(), "an all-masked row got a gradient"
        # GSPO-token with per-sequence advantages == GSPO, values and gradients.
        tok = call_loss({"gspo_paper": "gspo_token", "gspo_wide": "gspo_token_wide"}[name],
                        [logp, old, adv, mask])
        ref_tok = tr.gspo_loss(logp, old, adv, mask, level="token", **kwargs)
        check_close(f"{name} token-level reference == sequence", ref_tok.loss, ref_seq.loss,
                    atol=1e-12, rtol=1e-12)
        check_close(f"{name} token-level reference grad", ref_tok.grad, ref_seq.grad,
                    atol=1e-12, rtol=1e-12)
        for k in range(4):
            assert np.array_equal(tok[k], got[k]), f"GSPO-token result {k} differs from GSPO"
        record(f"GSPO-token == GSPO ({name})", 0.0)
        # The all-masked row adds nothing: dropping it (and rescaling by N) gives the same.
        keep = [i for i in range(N) if i != 2]
        sub = call_loss(name, [logp[keep], old[keep], adv[keep], mask[keep]])
        check_close(f"{name} all-masked row", got[0] * N / (N - 1), sub[0])
    # An i1 mask gives what the f32 mask gives.
    gi1 = KERNEL.call("gspo_i1", [logp.astype(F32), old.astype(F32), adv.astype(F32),
                                  mask.astype(bool), ONE], [(F32, 0)] * 3 + [(F32, 2)])
    ref_seq = tr.gspo_loss(logp, old, adv, mask)
    check_close("gspo i1 mask", gi1[0], ref_seq.loss)
    check_rel("gspo i1 mask grad", gi1[3], ref_seq.grad)

    for (loss_type, beta) in GRPO_CASES:
        if loss_type == "kl_only":
            continue
        name = f"grpo_{loss_type}_{int(beta * 100)}"
        kwargs = dict(beta=beta, loss_type="dr_grpo" if loss_type == "dr_grpo_len" else loss_type)
        if loss_type == "dr_grpo_len":
            kwargs["max_completion_length"] = 6
        got = call_loss(name, [logp, old, adv, mask, ref])
        want = tr.grpo_loss(logp, old, adv, mask, ref, **kwargs)
        record(f"GRPO {loss_type} beta={beta} N={N} T={T} loss", check_close(name, got[0], want.loss))
        check_close(f"{name} ratio", got[1], want.mean_ratio)
        check_close(f"{name} clip", got[2], want.clip_fraction)
        record(f"GRPO {loss_type} beta={beta} grad", check_rel(f"{name} grad", got[3], want.grad))
        assert not got[3][2].any(), "an all-masked row got a gradient"


def advantages():
    rewards = np.array([0.3, 0.3, 0.3, 1.0, 0.0, 0.5, 2.0, -1.0, 0.25], F32)  # group 0 constant
    for name, kwargs in (("group_eps0", dict(group_size=3, eps=0.0)),
                         ("batch", dict(group_size=3, scaling="batch")),
                         ("none", dict(group_size=3, scaling="none"))):
        (got,) = KERNEL.call(f"adv_{name}", [rewards], [(F32, 1)])
        want = tr.group_advantages(rewards, **kwargs)
        assert np.all(np.isfinite(got)), f"{name}: NaN advantages {got}"
        assert not got[:3].any(), f"{name}: a zero-std group got A != 0: {got[:3]}"
        record(f"advantages {name}", check_close(name, got, want))
    (got,) = KERNEL.call("adv_single", [rewards], [(F32, 1)])
    assert np.all(got == 0), f"group_size 1: expected zeros, got {got}"
    (got,) = KERNEL.call("adv_group", [np.full(8, 0.1, F32)], [(F32, 1)])
    assert np.all(got == 0), f"constant groups: expected zeros, got {got}"


def optimizer():
    rng = np.random.default_rng(2)
    g = rng.standard_normal((7, 9)).astype(F32) * 30
    clipped, total = KERNEL.call("clip_big", [g], [(F32, 2), (F32, 0)])
    want, want_total = tr.clip_grad_norm([g], 100.0)
    check_close("clip total", total, want_total, rtol=1e-6)
    record("clip_grad_norm (clipping)", check_rel("clip", clipped, want[0]))
    small = g / 100
    clipped, total = KERNEL.call("clip_big", [small], [(F32, 2), (F32, 0)])
    assert np.array_equal(clipped, small), "clip_grad_norm changed gradients under max_norm"

    p, q = rng.standard_normal((4, 3)).astype(F32), rng.standard_normal(5).astype(F32)
    state = [p, q, np.zeros_like(p), np.zeros_like(q), np.zeros_like(p), np.zeros_like(q)]
    ref = [(p, np.zeros_like(p), np.zeros_like(p)), (q, np.zeros_like(q), np.zeros_like(q))]
    for step in (1, 2, 3):
        gp, gq = rng.standard_normal((4, 3)).astype(F32), rng.standard_normal(5).astype(F32)
        out = KERNEL.call("adamw2", [state[0], state[1], gp, gq, state[2], state[3], state[4],
                                     state[5], np.array(step, np.int64)],
                          [(F32, 2), (F32, 1)] * 3)
        state = out
        ref = [tr.adamw_step(ref[0][0], gp, ref[0][1], ref[0][2], step, 3e-2, (0.8, 0.99), 1e-6, 0.1),
               tr.adamw_step(ref[1][0], gq, ref[1][1], ref[1][2], step, 3e-2, (0.8, 0.99), 1e-6, 0.1)]
        check_rel(f"adamw step {step} param 0", out[0], ref[0][0])
        check_rel(f"adamw step {step} param 1", out[1], ref[1][0])
        check_rel(f"adamw step {step} exp_avg", out[2], ref[0][1])
        check_rel(f"adamw step {step} exp_avg_sq", out[5], ref[1][2])
    record("adamw two params three steps", check_rel("adamw", state[0], ref[0][0]))


worked_example()
fused_logprobs()
policy_losses()
advantages()
optimizer()
print("all training-op checks passed")
