//===- ZenMoEOps.td - Zen mixture-of-experts ops ----------*- tablegen -*-===//
//
// The sparse MoE block of Qwen3-MoE (Coder-480B), the Qwen3-Omni thinker and
// Qwen3-Next, and its router on its own. Expert weights are STACKED along a
// leading expert dimension E: the runtime stacks HF's per-expert checkpoint
// tensors `mlp.experts.{e}.{gate,up,down}_proj.weight` into one [E, ...]
// tensor each, so gate_w[e] is expert e's gate_proj.weight, [I, H].
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_MOE_OPS_TD
#define ZEN_MOE_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "Zen/ZenInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// zen.moe_router
//===----------------------------------------------------------------------===//

def Zen_MoERouterOp : Zen_Op<"moe_router", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Softmax router: top-k expert weights and indices per token";
  let description = [{
    Picks `top_k` of the E experts for every token of `input` [..., H] with
    the router weight `router_w` [E, H] (HF `mlp.gate.weight`), exactly as
    Qwen3-MoE, Qwen3-Omni and Qwen3-Next do:

    ```
    logits = x router_wᵀ                     [..., E]   (input's dtype, no bias)
    p = softmax(float32(logits), -1)                    over ALL E experts, in f32
    weights, indices = topk(p, top_k)        [..., k]   top-k on probabilities
    weights = weights / sum(weights, -1)                only with norm_topk_prob
    ```

    The softmax runs over all experts before the top-k (not a softmax over the
    k selected logits). Slots are ordered by descending probability; ties go
    to the lower expert index. `weights` stay f32 (HF casts them to the model
    dtype only when it mixes the experts, which `zen.moe` does); `indices` are
    i64 expert ids in [0, E). `top_k` must be in (0, E].

    Example (Qwen3-Omni thinker: 128 experts, 8 per token):
    ```mlir
    %w, %idx = zen.moe_router %x, %router_w {norm_topk_prob, top_k = 8 : i64}
        : tensor<?x?x2048xf32>, tensor<128x2048xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$router_w,
                       I64Attr:$top_k,
                       UnitAttr:$norm_topk_prob);
  let results = (outs Zen_F32Tensor:$weights,
                      RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input `,` $router_w attr-dict `:` type($input) `,` type($router_w)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.moe
//===----------------------------------------------------------------------===//

def Zen_MoEOp : Zen_Op<"moe", [Pure, AttrSizedOperandSegments,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Sparse MoE block: router, top-k SwiGLU experts, optional gated shared expert";
  let description = [{
    The whole sparse mixture-of-experts FFN of Qwen3-MoE (Coder-480B), the
    Qwen3-Omni thinker and Qwen3-Next, on `input` [..., H]. Operands, with E
    experts, expert width I (`moe_intermediate_size`) and H hidden:

    | operand | shape | HF tensor |
    |---|---|---|
    | `router_w` | [E, H] | `mlp.gate.weight` |
    | `gate_w` | [E, I, H] | `mlp.experts.{e}.gate_proj.weight`, stacked over e |
    | `up_w` | [E, I, H] | `mlp.experts.{e}.up_proj.weight`, stacked over e |
    | `down_w` | [E, H, I] | `mlp.experts.{e}.down_proj.weight`, stacked over e |
    | `shared_gate_w` | [Is, H] | `mlp.shared_expert.gate_proj.weight` |
    | `shared_up_w` | [Is, H] | `mlp.shared_expert.up_proj.weight` |
    | `shared_down_w` | [H, Is] | `mlp.shared_expert.down_proj.weight` |
    | `shared_expert_gate_w` | [1, H] | `mlp.shared_expert_gate.weight` |

    The four shared-expert operands come together or not at all (only
    Qwen3-Next has a shared expert). Per token h:

    ```
    weights, idx = zen.moe_router(h, router_w, top_k, norm_topk_prob)   (f32)
    w = weights.to(h.dtype)
    SwiGLU_e(h) = (silu(h gate_w[e]ᵀ) * (h up_w[e]ᵀ)) down_w[e]ᵀ          per expert e
    y = 0
    for e in 0 .. E-1, ascending:            for every (token, slot) routed to e:
      y[tok] += SwiGLU_e(h[tok]) * w[tok, slot]
    out = y                                                    (no shared expert)
    out = y + sigmoid(h shared_expert_gate_wᵀ) * SwiGLU_shared(h)    (Qwen3-Next)
    ```

    The router is `zen.moe_router`: softmax over all E experts in f32, top-k on
    the probabilities, then the optional renormalisation. Each routed
    contribution is computed (weighted product included) before it is added,
    and contributions are accumulated into a zero tensor in ascending expert
    order, as HF's `index_add_` loop does, so f32 results match HF bit for bit
    where the expert matmuls do. The shared-expert gate is one scalar per
    token (`shared_expert_gate_w` is [1, H]). The result has the type of
    `input`.

    Example (Qwen3-Next: 512 experts of width 512, 10 per token, shared expert
    of width 512):
    ```mlir
    %y = zen.moe %x, %router, %gate, %up, %down
        shared(%sgate, %sup, %sdown, %segate) {norm_topk_prob, top_k = 10 : i64}
        : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x512x2048xbf16>,
          tensor<512x512x2048xbf16>, tensor<512x2048x512xbf16>,
          tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>,
          tensor<1x2048xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$router_w,
                       Zen_FloatTensor:$gate_w, Zen_FloatTensor:$up_w,
                       Zen_FloatTensor:$down_w,
                       Optional<Zen_FloatTensor>:$shared_gate_w,
                       Optional<Zen_FloatTensor>:$shared_up_w,
                       Optional<Zen_FloatTensor>:$shared_down_w,
                       Optional<Zen_FloatTensor>:$shared_expert_gate_w,
                       I64Attr:$top_k,
                       UnitAttr:$norm_topk_prob);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $router_w `,` $gate_w `,` $up_w `,` $down_w
    (`shared` `(` $shared_gate_w^ `,` $shared_up_w `,` $shared_down_w `,`
                  $shared_expert_gate_w `)`)?
    attr-dict `:` type($input) `,` type($router_w) `,` type($gate_w) `,`
    type($up_w) `,` type($down_w)
    (`,` type($shared_gate_w)^ `,` type($shared_up_w) `,` type($shared_down_w)
     `,` type($shared_expert_gate_w))?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool hasSharedExpert() { return getSharedGateW() != nullptr; }
  }];
}

#endif // ZEN_MOE_OPS_TD
