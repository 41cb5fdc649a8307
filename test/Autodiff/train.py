# RUN: %python %s
"""Finite-difference checks of the training ops' VJPs through zen-differentiate
(test/lib/gradcheck.py, f32 central differences): zen.token_logprobs (d hidden,
d lm_head_w; V not a multiple of the 2048-row vocabulary tile), zen.gspo_loss
(both levels, clipped and unclipped rows, an all-masked row, on-policy),
zen.grpo_loss (every loss_type, with and without the k3 KL), and the chain
hidden -> token_logprobs -> gspo_loss of a train step. Clip ranges and data
keep every ratio away from the clip boundaries, where the loss has kinks."""

import numpy as np

from gradcheck import check_vjp

F32 = np.float32
RNG = np.random.default_rng(0)

LOGPROBS = """
func.func @f(%h: tensor<2x3x8xf32>, %w: tensor<{V}x8xf32>, %y: tensor<2x3xi64>) -> tensor<2x3xf32>
    attributes {{zen.differentiate}} {{
  %l = zen.token_logprobs %h, %w, %y {{temperature = 0.7 : f64}} : tensor<2x3x8xf32>, tensor<{V}x8xf32>, tensor<2x3xi64>
  return %l : tensor<2x3xf32>
}}
"""

GSPO = """
func.func @f(%lp: tensor<5x4xf32>, %old: tensor<5x4xf32> {{zen.no_grad}}, %a: tensor<5xf32> {{zen.no_grad}},
             %m: tensor<5x4xf32> {{zen.no_grad}}) -> tensor<f32> attributes {{zen.differentiate}} {{
  %l, %r, %c = zen.gspo_loss %lp, {OLD}, %a, %m {{{ATTRS}}} : tensor<5x4xf32>, tensor<5x4xf32>, tensor<5xf32>, tensor<5x4xf32>
  return %l : tensor<f32>
}}
"""

GRPO = """
func.func @f(%lp: tensor<5x4xf32>, %old: tensor<5x4xf32> {{zen.no_grad}}, %a: tensor<5xf32> {{zen.no_grad}},
             %m: tensor<5x4xf32> {{zen.no_grad}}, %ref: tensor<5x4xf32> {{zen.no_grad}}) -> tensor<f32>
    attributes {{zen.differentiate}} {{
  %l, %r, %c = zen.grpo_loss %lp, %old, %a, %m ref(%ref) {{{ATTRS}}}
      : tensor<5x4xf32>, tensor<5x4xf32>, tensor<5xf32>, tensor<5x4xf32>, tensor<5x4xf32>
  return %l : tensor<f32>
}}
"""

STEP = """
func.func @f(%h: tensor<4x3x8xf32>, %w: tensor<300x8xf32> {zen.no_grad}, %y: tensor<4x3xi64>,
             %old: tensor<4x3xf32> {zen.no_grad}, %a: tensor<4xf32> {zen.no_grad},
             %m: tensor<4x3xf32> {zen.no_grad}) -> tensor<f32> attributes {zen.differentiate} {
  %lp = zen.token_logprobs %h, %w, %y : tensor<4x3x8xf32>, tensor<300x8xf32>, tensor<4x3xi64>
  %l, %r, %c = zen.gspo_loss %lp, %old, %a, %m {eps_low = 0.2 : f64, eps_high = 0.2 : f64}
      : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}
"""


def logprobs():
    for V in (2048 + 77, 37):
        h = RNG.standard_normal((2, 3, 8)).astype(F32)
        w = (0.5 * RNG.standard_normal((V, 8))).astype(F32)
        y = RNG.integers(0, V, (2, 3)).astype(np.int64)
        check_vjp(LOGPROBS.format(V=V), "f", [h, w, y], rtol=2e-3, eps=1e-2, seed=0)
        print(f"token_logprobs V={V}: ok")


def policy_batch():
    logp = -RNG.uniform(0.2, 2.0, (5, 4)).astype(F32)
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]], F32)
    adv = np.array([1.3, -0.8, 0.5, 0.26, -0.7], F32)
    return logp, mask, adv


def gspo():
    logp, mask, adv = policy_batch()
    # Row-wise log-ratio means of ±0.05 / ±0.2: far inside (0.2, 0.2) and, with the paper's
    # range, rows 0 and 3 (A > 0, s > 1 + 4e-4) and 1 (A < 0, s < 1 - 3e-4) clipped.
    shift = np.array([-0.05, 0.2, 0.1, -0.05, -0.2], F32)[:, None]
    old = (logp + shift).astype(F32)
    for level in ("sequence", "token"):
        for attrs in ("eps_low = 0.2 : f64, eps_high = 0.2 : f64", ""):
            text = GSPO.format(OLD="%old", ATTRS=", ".join(
                a for a in (attrs, f"level = #zen.gspo_level<{level}>") if a))
            check_vjp(text, "f", [logp, old, adv, mask], wrt=[0], rtol=2e-3, eps=1e-3, seed=1)
            print(f"gspo_loss {level} [{attrs or 'paper range'}]: ok")
    # On-policy: old_logp holds logp's values (TRL's logp.detach()), s = 1; the gradient is
    # -A_i / (L_i N) per completion token. (Passing %lp itself as old_logp gives the same VJP,
    # old_logp being detached, but then finite differences move both and see a constant.)
    check_vjp(GSPO.format(OLD="%old", ATTRS="eps_low = 0.2 : f64, eps_high = 0.2 : f64"), "f",
              [logp, logp.copy(), adv, mask], wrt=[0], rtol=2e-3, eps=1e-3, seed=2)
    print("gspo_loss on-policy: ok")


def grpo():
    logp, mask, adv = policy_batch()
    old = (logp + RNG.uniform(-0.1, 0.1, logp.shape)).astype(F32)  # rho in (0.9, 1.1)
    ref = (logp + 0.3 * RNG.standard_normal(logp.shape)).astype(F32)
    for loss_type in ("grpo", "bnpo", "dr_grpo", "dapo"):
        for beta in ("0.0", "4.0e-02"):
            attrs = f"beta = {beta} : f64, loss_type = #zen.grpo_loss_type<{loss_type}>"
            check_vjp(GRPO.format(ATTRS=attrs), "f", [logp, old, adv, mask, ref], wrt=[0],
                      rtol=2e-3, eps=1e-3, seed=3)
            print(f"grpo_loss {loss_type} beta={beta}: ok")
    # A tight clip range clips some tokens (their gradient is only the KL's).
    old2 = (logp + np.where(RNG.uniform(size=logp.shape) < 0.5, 0.3, -0.3)).astype(F32)
    attrs = "eps_low = 0.1 : f64, eps_high = 0.1 : f64, beta = 4.0e-02 : f64"
    check_vjp(GRPO.format(ATTRS=attrs), "f", [logp, old2, adv, mask, ref], wrt=[0], rtol=2e-3,
              eps=1e-3, seed=4)
    print("grpo_loss clipped tokens: ok")


def train_step_chain():
    h = RNG.standard_normal((4, 3, 8)).astype(F32)
    w = (0.5 * RNG.standard_normal((300, 8))).astype(F32)
    y = RNG.integers(0, 300, (4, 3)).astype(np.int64)
    z = np.einsum("nth,vh->ntv", h.astype(np.float64), w.astype(np.float64))
    lse = np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1)) + z.max(-1)
    logp = np.take_along_axis(z, y[..., None], -1)[..., 0] - lse
    old = (logp + 0.05).astype(F32)
    mask = np.array([[1, 1, 0], [1, 1, 1], [1, 0, 0], [0, 0, 0]], F32)
    adv = np.array([0.9, -0.4, 0.2, 1.0], F32)
    check_vjp(STEP, "f", [h, w, y, old, adv, mask], wrt=[0], rtol=2e-3, eps=1e-2, seed=5)
    print("hidden -> token_logprobs -> gspo_loss: ok")


logprobs()
gspo()
grpo()
train_step_chain()
print("all training-op VJP checks passed")
