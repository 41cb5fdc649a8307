//===- ZenTrainOps.td - Zen GSPO/GRPO training-step ops ---*- tablegen -*-===//
//
// The ops of one GSPO / GRPO training step: selective token log-probs,
// group-relative advantages, the two policy losses, global-norm gradient
// clipping and AdamW. Semantics are TRL's GRPOTrainer and torch's
// clip_grad_norm_ / AdamW (shared/reference/gspo-training.md); batches are
// N sequences of T completion positions, G contiguous sequences per prompt.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_TRAIN_OPS_TD
#define ZEN_TRAIN_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "Zen/ZenInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A scalar loss or statistic.
def Zen_F32Scalar : 0DTensorOf<[F32]>;
// AdamW's step count t; buildable so the assembly format needs no type.
def Zen_StepTensor : 0DTensorOf<[I64]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getI64Type())">;

// A run-time learning rate; buildable so the assembly format needs no type.
def Zen_LearningRateTensor : 0DTensorOf<[F32]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getF32Type())">;

//===----------------------------------------------------------------------===//
// zen.token_logprobs
//===----------------------------------------------------------------------===//

def Zen_TokenLogprobsOp : Zen_Op<"token_logprobs", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Log-probabilities of target tokens, fused with the LM head";
  let description = [{
    For every position of `hidden` [..., H] (typically [N, T, H]) returns the
    log-probability of the token `targets` names at that position, under the
    LM head `lm_head_w` [V, H] at sampling temperature τ (TRL divides the
    logits by `temperature`):

    ```
    z = h lm_head_wᵀ                                     [V] per position
    logp = z[y] / τ − logsumexp(z / τ)                   accumulated in f32
    ```

    `targets` has the leading dims of `hidden` ([N, T]) and holds token ids in
    [0, V); the result has the same shape, in f32. The score uses the logits
    at the SAME position as the target: the causal shift (logits at t−1 score
    token t) is the caller's job, which passes the hidden states of positions
    0..T−2 with targets 1..T−1, or equivalent.

    The op never materialises the [tokens × V] logits or log-softmax (with
    V = 151936, 8 × 512 tokens would be 2.5 GB in f32): lowerings stream the
    LM head over vocabulary tiles with an online max and sum of exp
    (flash-softmax style), keeping only z[y], the running max and the running
    sum per token. The backward pass (zen.token_logprobs_grad) recomputes the
    tiles, with the log-normaliser logsumexp(z / τ) = z[y] / τ − logp recovered
    from this result: d logp / d z = (onehot(y) − softmax(z / τ)) / τ.
    Logits are rounded to the element type of `hidden` (HF's lm_head output)
    and divided by τ in that type (TRL), then reduced in f32. Ids outside
    [0, V) give an unspecified value.

    `materialize_logits` turns the streaming off: the lowering computes the
    whole [tokens × V] logits as one tile, as an unfused
    `log_softmax(h Wᵀ / τ).gather(y)` does. Same values; it exists as the
    baseline of the memory benchmark (bench/README.md).

    Example (Qwen3-0.6B, tied embeddings as the LM head):
    ```mlir
    %logp = zen.token_logprobs %h, %embed, %ids {temperature = 7.0e-01 : f64}
        : tensor<8x511x1024xbf16>, tensor<151936x1024xbf16>, tensor<8x511xi64>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$hidden, Zen_FloatTensor:$lm_head_w,
                       Zen_IndexTensor:$targets,
                       DefaultValuedAttr<F64Attr, "1.0">:$temperature,
                       UnitAttr:$materialize_logits);
  let results = (outs Zen_F32Tensor:$logp);
  let assemblyFormat = [{
    $hidden `,` $lm_head_w `,` $targets attr-dict `:` type($hidden) `,`
    type($lm_head_w) `,` type($targets)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.group_advantages
//===----------------------------------------------------------------------===//

def Zen_GroupAdvantagesOp : Zen_Op<"group_advantages", [Pure,
    AllTypesMatch<["rewards", "result"]>]> {
  let summary = "Group-relative advantages from per-completion rewards (GRPO/GSPO)";
  let description = [{
    `rewards` [N] holds one scalar per completion, N = P prompts × G
    completions with the G completions of a prompt contiguous
    (G = `group_size`). Following TRL's `scale_rewards`:

    ```
    mean_g = mean of the G rewards of i's group
    A_i = (r_i − mean_g) / (std_g + eps)      scaling = group (default)
    A_i = (r_i − mean_g) / (std_b + eps)      scaling = batch
    A_i =  r_i − mean_g                       scaling = none
    ```

    std_g is the std of i's group and std_b the std of all N rewards, both
    unbiased (ddof = 1, torch's default); the mean is always the group mean.
    eps defaults to TRL's 1e-4. A group whose rewards are all equal gets
    A = 0 and never NaN (also with eps = 0, and for a group of one, whose
    unbiased std is undefined). Advantages carry no gradient. N must be a
    multiple of `group_size`.

    Example (4 prompts × 8 completions):
    ```mlir
    %adv = zen.group_advantages %rewards {group_size = 8 : i64} : tensor<32xf32>
    ```
  }];
  let arguments = (ins Zen_F32Tensor:$rewards,
                       I64Attr:$group_size,
                       DefaultValuedAttr<Zen_RewardScalingAttr,
                           "::mlir::zen::RewardScaling::group">:$scaling,
                       DefaultValuedAttr<F64Attr, "1.0e-4">:$eps);
  let results = (outs Zen_F32Tensor:$result);
  let assemblyFormat = "$rewards attr-dict `:` type($rewards)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gspo_loss
//===----------------------------------------------------------------------===//

def Zen_GspoLossOp : Zen_Op<"gspo_loss", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "GSPO loss: sequence-level importance ratio and clipping";
  let description = [{
    The GSPO objective (Zheng et al. 2025), equal to TRL's GRPOTrainer with
    `importance_sampling_level="sequence"`, `loss_type="grpo"`, β = 0.
    `logp` and `old_logp` [N, T] are per-token log-probs of the completion
    tokens under the current and the sampling policy, `advantages` [N] one per
    sequence, `mask` [N, T] the completion mask (1 keeps a token). With
    L_i = Σ_t mask[i,t]:

    ```
    s_i = exp( Σ_t mask[i,t] (logp[i,t] − old_logp[i,t]) / max(L_i, 1) )
    ℓ_i = −min( s_i A_i, clip(s_i, 1 − eps_low, 1 + eps_high) A_i )
    loss = (1/N) Σ_i ℓ_i · [L_i > 0]
    ```

    An all-masked row contributes 0 but still counts in N (TRL's
    `(ℓ · mask).sum(-1) / mask.sum(-1).clamp(min=1)` then mean over rows).

    `level = token` is GSPO-token: s_{i,t} = sg[s_i] · exp(logp[i,t] −
    sg[logp[i,t]]), per-token loss −min(s_{i,t} A_i, clip(s_{i,t}) A_i),
    averaged over the tokens of each row (divided by max(L_i, 1)), then over
    the N rows. Its value equals the sequence level's and, with per-sequence
    advantages, so does its gradient.

    `old_logp` carries no gradient: on-policy training passes `logp` itself,
    giving s_i = 1 and d loss / d logp[i,t] = −A_i / (L_i N) per completion
    token. The paper's clip range is eps_low = 3e-4, eps_high = 4e-4 (the
    defaults). Logged statistics, per sequence at both levels (a GSPO-token
    ratio equals its sequence's s_i at every token), as TRL computes them:

    ```
    mean_ratio    = (1/N) Σ_i s_i
    clip_fraction = (1/N) Σ_i [(s_i < 1 − eps_low and A_i < 0) or
                               (s_i > 1 + eps_high and A_i > 0)]
    ```

    Example:
    ```mlir
    %loss, %ratio, %clipped = zen.gspo_loss %logp, %old, %adv, %mask
        : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xi1>
    ```
  }];
  let arguments = (ins Zen_F32Tensor:$logp, Zen_F32Tensor:$old_logp,
                       Zen_F32Tensor:$advantages, Zen_MaskTensor:$mask,
                       DefaultValuedAttr<F64Attr, "3.0e-4">:$eps_low,
                       DefaultValuedAttr<F64Attr, "4.0e-4">:$eps_high,
                       DefaultValuedAttr<Zen_GspoLevelAttr,
                           "::mlir::zen::GspoLevel::sequence">:$level);
  let results = (outs Zen_F32Scalar:$loss, Zen_F32Scalar:$mean_ratio,
                      Zen_F32Scalar:$clip_fraction);
  let assemblyFormat = [{
    $logp `,` $old_logp `,` $advantages `,` $mask attr-dict `:` type($logp)
    `,` type($old_logp) `,` type($advantages) `,` type($mask)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.grpo_loss
//===----------------------------------------------------------------------===//

def Zen_GrpoLossOp : Zen_Op<"grpo_loss", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "GRPO loss: token-level clipped ratio, optional k3 KL, TRL loss_type";
  let description = [{
    TRL's GRPOTrainer loss with `importance_sampling_level="token"`.
    `logp`, `old_logp` and the optional `ref_logp` are [N, T] per-token
    log-probs under the current, sampling and reference policies,
    `advantages` [N] one per sequence, `mask` [N, T] the completion mask
    (M, 1 keeps a token). Per token:

    ```
    ρ = exp(logp − old_logp)
    ℓ = −min( ρ A_i, clip(ρ, 1 − eps_low, 1 + eps_high) A_i ) + β KL
    KL = exp(ref_logp − logp) − (ref_logp − logp) − 1          (k3 estimator)
    ```

    `beta` ≠ 0 needs `ref_logp`; with β = 0 the KL term (and `ref_logp`, if
    given) is ignored. Aggregation follows TRL's `loss_type`:

    | loss_type | loss |
    |---|---|
    | `grpo` | (1/N) Σ_i ( Σ_t M ℓ / max(1, Σ_t M) ) |
    | `bnpo` | Σ M ℓ / max(1, Σ M) |
    | `dr_grpo` | Σ M ℓ / (N · max_completion_length) |
    | `dapo` | Σ M ℓ / max(1, Σ M) |

    `max_completion_length` (dr_grpo only) is TRL's config value and defaults
    to T, the padded completion length; set it when completions are padded to
    fewer tokens than the configured maximum. `dapo` divides by the active
    tokens of the whole global batch; this op sees one process and one
    micro-batch, where that count is Σ M, so data-parallel or
    gradient-accumulating callers rescale the loss by (local / global active
    tokens). The loss is that of one micro-batch, before TRL's division by the
    number of gradient-accumulation steps. `old_logp` and `ref_logp` carry no
    gradient (on-policy training passes `logp` as `old_logp`, so ρ = 1).
    Defaults are TRL's: ε = 0.2 on both sides, β = 0. Logged statistics, as
    TRL computes them over active tokens:

    ```
    mean_ratio    = Σ M ρ / max(1, Σ M)
    clip_fraction = Σ M [(ρ < 1 − eps_low and A < 0) or (ρ > 1 + eps_high and A > 0)]
                    / max(1, Σ M)
    ```

    Example (Zen-Coder, KL to the reference policy):
    ```mlir
    %loss, %ratio, %clipped = zen.grpo_loss %logp, %old, %adv, %mask ref(%ref)
        {beta = 4.0e-02 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>}
        : tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>, tensor<8x1024xi64>,
          tensor<8x1024xf32>
    ```
  }];
  let arguments = (ins Zen_F32Tensor:$logp, Zen_F32Tensor:$old_logp,
                       Zen_F32Tensor:$advantages, Zen_MaskTensor:$mask,
                       Optional<Zen_F32Tensor>:$ref_logp,
                       DefaultValuedAttr<F64Attr, "0.2">:$eps_low,
                       DefaultValuedAttr<F64Attr, "0.2">:$eps_high,
                       DefaultValuedAttr<F64Attr, "0.0">:$beta,
                       DefaultValuedAttr<Zen_GrpoLossTypeAttr,
                           "::mlir::zen::GrpoLossType::grpo">:$loss_type,
                       OptionalAttr<I64Attr>:$max_completion_length);
  let results = (outs Zen_F32Scalar:$loss, Zen_F32Scalar:$mean_ratio,
                      Zen_F32Scalar:$clip_fraction);
  let assemblyFormat = [{
    $logp `,` $old_logp `,` $advantages `,` $mask
    (`ref` `(` $ref_logp^ `)`)? attr-dict `:` type($logp) `,` type($old_logp)
    `,` type($advantages) `,` type($mask) (`,` type($ref_logp)^)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.clip_grad_norm
//===----------------------------------------------------------------------===//

def Zen_ClipGradNormOp : Zen_Op<"clip_grad_norm", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_)";
  let description = [{
    Scales all `grads` together so that their global L2 norm is at most
    `max_norm`, as torch's `clip_grad_norm_` (norm_type 2) does:

    ```
    total = sqrt( Σ_tensors Σ g² )              accumulated in f32
    scale = max_norm / (total + 1e-6)
    clipped_j = scale < 1 ? grads_j * scale : grads_j
    ```

    Returns one clipped tensor per gradient, with the gradient's type, and
    `total_norm`, the norm before clipping (what trainers log as grad_norm).
    Non-finite gradients propagate (torch's default, error_if_nonfinite =
    False).

    Example:
    ```mlir
    %clipped:2, %norm = zen.clip_grad_norm %ga, %gb {max_norm = 1.0 : f64}
        : tensor<8x1024xf32>, tensor<2048x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Zen_FloatTensor>:$grads, F64Attr:$max_norm);
  let results = (outs Variadic<Zen_FloatTensor>:$clipped,
                      Zen_F32Scalar:$total_norm);
  let assemblyFormat = "$grads attr-dict `:` type($grads)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.adamw
//===----------------------------------------------------------------------===//

def Zen_AdamWOp : Zen_Op<"adamw", [Pure, AttrSizedOperandSegments,
    SameVariadicResultSize, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "One AdamW update of a list of parameters (torch.optim.AdamW)";
  let description = [{
    Applies one step of torch.optim.AdamW (amsgrad off, maximize off) to
    every parameter θ in `params`, with its gradient g in `grads` and its
    optimizer state m, v in `exp_avg`, `exp_avg_sq` (the four groups have the
    same length, and their j-th tensors the same type). `step` is t, the
    1-based number of this update (torch's `state["step"]` after its
    increment; the caller keeps and increments it):

    ```
    θ ← θ · (1 − lr · weight_decay)            decoupled decay, applied first
    m ← beta1 · m + (1 − beta1) · g
    v ← beta2 · v + (1 − beta2) · g²
    θ ← θ − (lr / (1 − beta1^t)) · m / ( sqrt(v) / sqrt(1 − beta2^t) + eps )
    ```

    Returns the new parameters, then the new exp_avg, then the new
    exp_avg_sq, each group in operand order and with the operands' types.
    Defaults are torch's (beta1 0.9, beta2 0.999, eps 1e-8, weight_decay
    0.01); lr has no default. The optional `lr(%x)` operand, a 0-d f32
    tensor, replaces the `lr` attribute at run time (learning-rate
    schedules, `zen-run train-step --lr`); the attribute then records the
    configured default.

    Example (two LoRA tensors):
    ```mlir
    %new:6 = zen.adamw params(%a, %b) grads(%ga, %gb) exp_avg(%ma, %mb)
        exp_avg_sq(%va, %vb) step(%t) {lr = 1.0e-05 : f64}
        : tensor<8x1024xf32>, tensor<2048x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Zen_FloatTensor>:$params,
                       Variadic<Zen_FloatTensor>:$grads,
                       Variadic<Zen_FloatTensor>:$exp_avg,
                       Variadic<Zen_FloatTensor>:$exp_avg_sq,
                       Zen_StepTensor:$step,
                       Optional<Zen_LearningRateTensor>:$lr_value,
                       F64Attr:$lr,
                       DefaultValuedAttr<F64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<F64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<F64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<F64Attr, "0.01">:$weight_decay);
  let results = (outs Variadic<Zen_FloatTensor>:$new_params,
                      Variadic<Zen_FloatTensor>:$new_exp_avg,
                      Variadic<Zen_FloatTensor>:$new_exp_avg_sq);
  // The state groups must have the parameters' types (the verifier checks it
  // for the generic form), so the custom syntax spells the types once.
  let assemblyFormat = [{
    `params` `(` $params `)` `grads` `(` $grads `)` `exp_avg` `(` $exp_avg `)`
    `exp_avg_sq` `(` $exp_avg_sq `)` `step` `(` $step `)`
    (`lr` `(` $lr_value^ `)`)? attr-dict
    custom<ParamTypes>(ref($params), ref($grads), ref($exp_avg),
                       ref($exp_avg_sq),
                       type($params), type($grads), type($exp_avg),
                       type($exp_avg_sq))
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    // The ParamTypes custom directive, `: <types of params>`: grads, exp_avg
    // and exp_avg_sq take the types of params, which are spelled once.
    using UnresolvedOperands =
        ::llvm::ArrayRef<::mlir::OpAsmParser::UnresolvedOperand>;
    static ::mlir::ParseResult parseParamTypes(
        ::mlir::OpAsmParser &parser, UnresolvedOperands params,
        UnresolvedOperands grads,
        UnresolvedOperands expAvg, UnresolvedOperands expAvgSq,
        ::llvm::SmallVectorImpl<::mlir::Type> &paramTypes,
        ::llvm::SmallVectorImpl<::mlir::Type> &gradTypes,
        ::llvm::SmallVectorImpl<::mlir::Type> &expAvgTypes,
        ::llvm::SmallVectorImpl<::mlir::Type> &expAvgSqTypes);
    static void printParamTypes(::mlir::OpAsmPrinter &printer,
                                ::mlir::Operation *op, ::mlir::ValueRange params,
                                ::mlir::ValueRange grads,
                                ::mlir::ValueRange expAvg,
                                ::mlir::ValueRange expAvgSq,
                                ::mlir::TypeRange paramTypes,
                                ::mlir::TypeRange gradTypes,
                                ::mlir::TypeRange expAvgTypes,
                                ::mlir::TypeRange expAvgSqTypes);
  }];
}

//===----------------------------------------------------------------------===//
// Backward ops (reverse-mode autodiff of the selective log-prob and the
// policy losses; built by their DifferentiableOpInterface models)
//===----------------------------------------------------------------------===//

def Zen_TokenLogprobsGradOp : Zen_Op<"token_logprobs_grad", [Pure,
    AttrSizedResultSegments]> {
  let summary = "Backward of zen.token_logprobs, streamed over vocabulary tiles";
  let description = [{
    Given the operands of a `zen.token_logprobs`, its result `logp` and the
    cotangent `grad_logp` (g, the shape of `targets`, f32), returns the
    cotangents of `hidden` and/or `lm_head_w`; each result is present only
    when its `->` clause is written (a frozen [151936, 1024] LM head gets no
    gradient, and no work is spent on it). With x = z / τ, z = h Wᵀ:

    ```
    d z[..., v]   = g · (onehot(y)[v] − softmax(x)[v]) / τ
    hidden_grad   = Σ_v d z[..., v] · W[v, :]
    lm_head_w_grad[v, :] = Σ_tokens d z[..., v] · h[..., :]
    ```

    Like the forward, the lowering never materialises [tokens × V]: it
    streams W over vocabulary tiles, recomputing each logits tile, with
    softmax(x)[v] = exp(x[v] − lse) and lse = x[y] − logp recovered from the
    forward's result (the saved log-normaliser; x[y] is one dot product per
    token). Sums accumulate in f32; the cotangents have the primal types.
    With `materialize_logits` (copied from the forward op) the logits and
    d z are built whole, [tokens × V], as one tile.

    Example (LoRA training: the tied LM head is frozen):
    ```mlir
    %dh = zen.token_logprobs_grad %h, %embed, %ids, %logp, %g
        {temperature = 7.0e-01 : f64}
        : tensor<8x511x1024xbf16>, tensor<151936x1024xbf16>, tensor<8x511xi64>,
          tensor<8x511xf32>, tensor<8x511xf32> -> hidden_grad tensor<8x511x1024xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$hidden, Zen_FloatTensor:$lm_head_w,
                       Zen_IndexTensor:$targets, Zen_F32Tensor:$logp,
                       Zen_F32Tensor:$grad_logp,
                       DefaultValuedAttr<F64Attr, "1.0">:$temperature,
                       UnitAttr:$materialize_logits);
  let results = (outs Optional<Zen_FloatTensor>:$hidden_grad,
                      Optional<Zen_FloatTensor>:$lm_head_w_grad);
  let assemblyFormat = [{
    $hidden `,` $lm_head_w `,` $targets `,` $logp `,` $grad_logp attr-dict
    `:` type($hidden) `,` type($lm_head_w) `,` type($targets) `,` type($logp)
    `,` type($grad_logp) `->` (`hidden_grad` type($hidden_grad)^)?
    (`lm_head_w_grad` type($lm_head_w_grad)^)?
  }];
  let hasVerifier = 1;
}

def Zen_GspoLossGradOp : Zen_Op<"gspo_loss_grad", [Pure,
    AllTypesMatch<["logp", "logp_grad"]>]> {
  let summary = "Backward of zen.gspo_loss: d loss / d logp";
  let description = [{
    The cotangent of `logp` of a `zen.gspo_loss` with the same operands and
    attributes, given the loss cotangent `grad_loss` (g, a scalar). With s_i
    and L_i as in zen.gspo_loss:

    ```
    logp_grad[i,t] = g · mask[i,t] · (−A_i s_i / (max(L_i, 1) N))
                     where the unclipped branch is the minimum and L_i > 0
    logp_grad[i,t] = 0   where (s_i < 1 − eps_low and A_i < 0) or
                     (s_i > 1 + eps_high and A_i > 0), or L_i = 0
    ```

    Both levels have this gradient: the GSPO-token ratio s_{i,t} =
    sg[s_i] exp(logp − sg[logp]) has d s_{i,t} / d logp[i,t] = s_i, and
    with per-sequence advantages its per-token loss averaged over the row is
    the sequence loss. `old_logp` gets no cotangent (it is detached; on-policy
    passes `logp` there and the ratio is 1). The logged statistics
    (mean_ratio, clip_fraction) are detached too.

    Example:
    ```mlir
    %d = zen.gspo_loss_grad %g, %logp, %old, %adv, %mask
        : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xi1>
    ```
  }];
  let arguments = (ins Zen_F32Scalar:$grad_loss, Zen_F32Tensor:$logp,
                       Zen_F32Tensor:$old_logp, Zen_F32Tensor:$advantages,
                       Zen_MaskTensor:$mask,
                       DefaultValuedAttr<F64Attr, "3.0e-4">:$eps_low,
                       DefaultValuedAttr<F64Attr, "4.0e-4">:$eps_high,
                       DefaultValuedAttr<Zen_GspoLevelAttr,
                           "::mlir::zen::GspoLevel::sequence">:$level);
  let results = (outs Zen_F32Tensor:$logp_grad);
  let assemblyFormat = [{
    $grad_loss `,` $logp `,` $old_logp `,` $advantages `,` $mask attr-dict `:`
    type($grad_loss) `,` type($logp) `,` type($old_logp) `,` type($advantages)
    `,` type($mask)
  }];
  let hasVerifier = 1;
}

def Zen_GrpoLossGradOp : Zen_Op<"grpo_loss_grad", [Pure,
    AllTypesMatch<["logp", "logp_grad"]>]> {
  let summary = "Backward of zen.grpo_loss: d loss / d logp";
  let description = [{
    The cotangent of `logp` of a `zen.grpo_loss` with the same operands and
    attributes, given the loss cotangent `grad_loss` (g, a scalar). Per token,
    with ρ, A and M as in zen.grpo_loss:

    ```
    d ℓ / d logp = −A ρ [unclipped] + β (1 − exp(ref_logp − logp))
    logp_grad[i,t] = g · w_i · M[i,t] · d ℓ / d logp
    w_i = 1 / (max(1, Σ_t M[i,:]) N)        loss_type grpo
          1 / max(1, Σ M)                    bnpo, dapo
          1 / (N · max_completion_length)    dr_grpo (default T)
    ```

    where "unclipped" excludes (ρ < 1 − eps_low and A < 0) and
    (ρ > 1 + eps_high and A > 0). `old_logp` and `ref_logp` get no cotangent;
    the logged statistics are detached.

    Example:
    ```mlir
    %d = zen.grpo_loss_grad %g, %logp, %old, %adv, %mask ref(%ref)
        {beta = 4.0e-02 : f64, loss_type = #zen.grpo_loss_type<dr_grpo>}
        : tensor<f32>, tensor<8x1024xf32>, tensor<8x1024xf32>, tensor<8xf32>,
          tensor<8x1024xi64>, tensor<8x1024xf32>
    ```
  }];
  let arguments = (ins Zen_F32Scalar:$grad_loss, Zen_F32Tensor:$logp,
                       Zen_F32Tensor:$old_logp, Zen_F32Tensor:$advantages,
                       Zen_MaskTensor:$mask,
                       Optional<Zen_F32Tensor>:$ref_logp,
                       DefaultValuedAttr<F64Attr, "0.2">:$eps_low,
                       DefaultValuedAttr<F64Attr, "0.2">:$eps_high,
                       DefaultValuedAttr<F64Attr, "0.0">:$beta,
                       DefaultValuedAttr<Zen_GrpoLossTypeAttr,
                           "::mlir::zen::GrpoLossType::grpo">:$loss_type,
                       OptionalAttr<I64Attr>:$max_completion_length);
  let results = (outs Zen_F32Tensor:$logp_grad);
  let assemblyFormat = [{
    $grad_loss `,` $logp `,` $old_logp `,` $advantages `,` $mask
    (`ref` `(` $ref_logp^ `)`)? attr-dict `:` type($grad_loss) `,` type($logp)
    `,` type($old_logp) `,` type($advantages) `,` type($mask)
    (`,` type($ref_logp)^)?
  }];
  let hasVerifier = 1;
}

#endif // ZEN_TRAIN_OPS_TD
