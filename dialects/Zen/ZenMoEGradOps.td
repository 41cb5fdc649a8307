//===- ZenMoEGradOps.td - backward ops of the MoE block ---*- tablegen -*-===//
//
// Dedicated backward ops of the sparse mixture-of-experts block and its
// router, built by lib/Dialect/Zen/Autodiff/MoEOpsVJP.cpp and lowered like
// forward ops. The VJP of zen.moe is three ops:
//
//   %w, %idx = zen.moe_router %x, %router_w       (the routing, recomputed)
//   ... = zen.moe_grad %x, %w, %idx, %gate_w, %up_w, %down_w, %dy [shared(...)]
//                                  -> experts' and shared expert's part,
//                                     d(routing weights), d x (experts)
//   ... = zen.moe_router_grad %x, %router_w, %idx, %dw
//                                  -> d x (router), d router_w
//
// so the router backward is shared with zen.moe_router's own VJP. Every
// gradient is an OPTIONAL result: an absent result is never computed (LoRA
// training freezes the experts: then only input_grad, and weights_grad for
// the router's share of it, are built).
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_MOE_GRAD_OPS_TD
#define ZEN_MOE_GRAD_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// zen.moe_router_grad
//===----------------------------------------------------------------------===//

def Zen_MoERouterGradOp : Zen_Op<"moe_router_grad", [Pure,
    AttrSizedResultSegments]> {
  let summary = "Backward of zen.moe_router: routing-weight cotangent to input and router_w";
  let description = [{
    The vector-Jacobian product of `zen.moe_router` with respect to `input`
    [..., H] and `router_w` [E, H], given the router's `indices` [..., k]
    (piecewise constant: no gradient flows through the top-k selection) and
    the cotangent `weights_grad` [..., k] (f32) of its routing weights. The
    probabilities are recomputed from `input`; per token, with
    `p = softmax(f32(x router_wᵀ))` over all E experts and `q = p[indices]`:

    ```
    with norm_topk_prob:  S = Σ_j q_j,  w = q / S
                          dq = (weights_grad - Σ_j weights_grad_j w_j) / S
    without:              dq = weights_grad
    dp = scatter(dq at indices, 0 elsewhere)                        [..., E]
    dlogits = p * (dp - Σ_j dq_j q_j)                (softmax backward, f32)
    input_grad    = dlogits router_w                                 [..., H]
    router_w_grad = Σ_tokens dlogitsᵀ x                              [E, H]
    ```

    Both results are optional (at least one must be present) and have the
    type of their primal operand; they are accumulated in f32 and rounded
    once. `norm_topk_prob` must be the router's.

    Example (Qwen3-Omni thinker router, LoRA training: router_w frozen):
    ```mlir
    %dx = zen.moe_router_grad %x, %router_w, %idx, %dw {norm_topk_prob}
        : tensor<?x?x2048xf32>, tensor<128x2048xf32>, tensor<?x?x8xi64>,
          tensor<?x?x8xf32> -> input_grad tensor<?x?x2048xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$router_w,
                       RankedTensorOf<[I64]>:$indices,
                       Zen_F32Tensor:$weights_grad,
                       UnitAttr:$norm_topk_prob);
  let results = (outs Optional<Zen_FloatTensor>:$input_grad,
                      Optional<Zen_FloatTensor>:$router_w_grad);
  let assemblyFormat = [{
    $input `,` $router_w `,` $indices `,` $weights_grad attr-dict `:`
    type($input) `,` type($router_w) `,` type($indices) `,` type($weights_grad)
    `->` (`input_grad` type($input_grad)^)?
         (`router_w_grad` type($router_w_grad)^)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.moe_grad
//===----------------------------------------------------------------------===//

def Zen_MoEGradOp : Zen_Op<"moe_grad", [Pure, AttrSizedOperandSegments,
    AttrSizedResultSegments, AllTypesMatch<["input", "result_grad"]>]> {
  let summary = "Backward of zen.moe's experts and shared expert, given the routing";
  let description = [{
    The vector-Jacobian product of `zen.moe` with respect to everything but
    the router: `input` [..., H], the routing weights, the stacked expert
    weights and the optional Qwen3-Next shared expert, given the routing of
    the forward (`weights` [..., k] f32 and `indices` [..., k] i64, as
    `zen.moe_router` returns them; the top-k indices are piecewise constant)
    and the cotangent `result_grad` of the block's output. Operand shapes
    are `zen.moe`'s (gate_w, up_w [E, I, H], down_w [E, H, I], shared_gate_w,
    shared_up_w [Is, H], shared_down_w [H, Is], shared_expert_gate_w [1, H]).
    The expert activations are recomputed from `input`. Per (token t, slot j)
    routed to expert e = indices[t, j], with dy = result_grad[t],
    w = weights[t, j] rounded to the input's dtype (as the forward mixes):

    ```
    g = x gate_w[e]ᵀ,  u = x up_w[e]ᵀ,  a = silu(g),  h = a * u,  o = h down_w[e]ᵀ
    weights_grad[t, j]  = dy · o
    do = w dy;  dh = do down_w[e];  du = dh * a;  dg = dh * u * silu'(g)
    input_grad[t]      += dg gate_w[e] + du up_w[e]
    down_w_grad[e]     += doᵀ h,   gate_w_grad[e] += dgᵀ x,   up_w_grad[e] += duᵀ x
    ```

    and with the shared expert (out = y + σ(x shared_expert_gate_wᵀ) s, s its
    SwiGLU output): ds = σ dy, d(gate logit) = (dy · s) σ (1 - σ), then the
    same SwiGLU backward with the shared weights, into `input_grad` and the
    shared weights' gradients; shared_expert_gate_w_grad = Σ_t dlogit_t x_t.
    silu'(g) = σ(g) (1 + g (1 - σ(g))).

    The lowering reuses the forward's structure: a counting sort of the
    (token, slot) pairs by expert, then one loop over the experts that
    gathers each expert's tokens (experts no token picked are skipped, and
    their weight gradients are zero): nothing is dense over the E experts.

    Every result is optional (at least one must be present) and has the type
    of its primal operand (`weights_grad`: f32 like `weights`); a result that
    is absent is not computed. Gradients accumulate in f32 and are rounded
    once. The router's share of `input`'s gradient comes from
    `zen.moe_router_grad` applied to `weights_grad`.

    Example (LoRA training of a Qwen3-MoE layer: experts frozen, only the
    input gradient and, for the router backward, the routing-weight gradient):
    ```mlir
    %dx, %dw = zen.moe_grad %x, %w, %idx, %gate, %up, %down, %dy
        : tensor<?x?x2048xf32>, tensor<?x?x8xf32>, tensor<?x?x8xi64>,
          tensor<128x768x2048xf32>, tensor<128x768x2048xf32>,
          tensor<128x2048x768xf32>, tensor<?x?x2048xf32>
        -> input_grad tensor<?x?x2048xf32> weights_grad tensor<?x?x8xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_F32Tensor:$weights,
                       RankedTensorOf<[I64]>:$indices,
                       Zen_FloatTensor:$gate_w, Zen_FloatTensor:$up_w,
                       Zen_FloatTensor:$down_w, Zen_FloatTensor:$result_grad,
                       Optional<Zen_FloatTensor>:$shared_gate_w,
                       Optional<Zen_FloatTensor>:$shared_up_w,
                       Optional<Zen_FloatTensor>:$shared_down_w,
                       Optional<Zen_FloatTensor>:$shared_expert_gate_w);
  let results = (outs Optional<Zen_FloatTensor>:$input_grad,
                      Optional<Zen_F32Tensor>:$weights_grad,
                      Optional<Zen_FloatTensor>:$gate_w_grad,
                      Optional<Zen_FloatTensor>:$up_w_grad,
                      Optional<Zen_FloatTensor>:$down_w_grad,
                      Optional<Zen_FloatTensor>:$shared_gate_w_grad,
                      Optional<Zen_FloatTensor>:$shared_up_w_grad,
                      Optional<Zen_FloatTensor>:$shared_down_w_grad,
                      Optional<Zen_FloatTensor>:$shared_expert_gate_w_grad);
  let assemblyFormat = [{
    $input `,` $weights `,` $indices `,` $gate_w `,` $up_w `,` $down_w `,`
    $result_grad
    (`shared` `(` $shared_gate_w^ `,` $shared_up_w `,` $shared_down_w `,`
                  $shared_expert_gate_w `)`)?
    attr-dict `:` type($input) `,` type($weights) `,` type($indices) `,`
    type($gate_w) `,` type($up_w) `,` type($down_w) `,` type($result_grad)
    (`,` type($shared_gate_w)^ `,` type($shared_up_w) `,` type($shared_down_w)
     `,` type($shared_expert_gate_w))?
    `->` (`input_grad` type($input_grad)^)?
         (`weights_grad` type($weights_grad)^)?
         (`gate_w_grad` type($gate_w_grad)^)?
         (`up_w_grad` type($up_w_grad)^)?
         (`down_w_grad` type($down_w_grad)^)?
         (`shared_gate_w_grad` type($shared_gate_w_grad)^)?
         (`shared_up_w_grad` type($shared_up_w_grad)^)?
         (`shared_down_w_grad` type($shared_down_w_grad)^)?
         (`shared_expert_gate_w_grad` type($shared_expert_gate_w_grad)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool hasSharedExpert() { return getSharedGateW() != nullptr; }
  }];
}

#endif // ZEN_MOE_GRAD_OPS_TD
