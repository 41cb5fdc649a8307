//===- ZenModelOps.td - Zen dense-model building blocks ---*- tablegen -*-===//
//
// Ops shared by every Zen model: embeddings, RMSNorm variants, linear
// projections (with optional LoRA), RoPE, the SwiGLU MLP, the LM head and the
// L2 norm of the gated delta rule.
// Shapes follow HuggingFace: activations are [batch, seq, ...] and every
// weight of an nn.Linear is stored [out_features, in_features].
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_MODEL_OPS_TD
#define ZEN_MODEL_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "Zen/ZenInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// zen.rms_norm
//===----------------------------------------------------------------------===//

def Zen_RMSNormOp : Zen_Op<"rms_norm", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "RMSNorm over the last dimension (plain or zero-centred 1+w scale)";
  let description = [{
    Normalises each row of `input` over its last dimension D and scales it:

    ```
    y = x * rsqrt(mean(x^2, -1) + eps)        (computed in f32)
    out = w * y                               (Qwen3RMSNorm)
    out = (1 + w) * y                         (zero_centered: Qwen3NextRMSNorm)
    ```

    `weight` has shape [D]. eps is added to the mean inside the rsqrt. With
    `zero_centered` the stored weight is an offset initialised to 0, as in
    Qwen3-Next's layer norms, q/k norms and MTP norms.

    Example:
    ```mlir
    %y = zen.rms_norm %x, %w {eps = 1.0e-06 : f64} : tensor<?x?x1024xf32>, tensor<1024xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps,
                       UnitAttr:$zero_centered);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.linear
//===----------------------------------------------------------------------===//

def Zen_LinearOp : Zen_Op<"linear", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "x · Wᵀ with HF [out, in] weights and an optional LoRA adapter";
  let description = [{
    Applies an nn.Linear without bias to the last dimension of `input`:

    ```
    out = x Wᵀ                                  W: [out, in]
    out = x Wᵀ + lora_scale · (x Aᵀ) Bᵀ        A: [r, in], B: [out, r]
    ```

    The LoRA form is PEFT's (dropout is a training-time concern of the
    train-step builder, not of this op). `lora_scale` is α/r (or α/√r with
    rsLoRA) and is required exactly when the adapter operands are present.
    The result has the shape of `input` with its last dimension replaced by
    `out`.

    Example:
    ```mlir
    %q = zen.linear %x, %wq : tensor<?x?x1024xf32>, tensor<2048x1024xf32>
    %q2 = zen.linear %x, %wq lora(%a, %b) {lora_scale = 2.0 : f64}
        : tensor<?x?x1024xf32>, tensor<2048x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$weight,
                       Optional<Zen_FloatTensor>:$lora_a,
                       Optional<Zen_FloatTensor>:$lora_b,
                       OptionalAttr<F64Attr>:$lora_scale);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`lora` `(` $lora_a^ `,` $lora_b `)`)? attr-dict `:`
    type($input) `,` type($weight) (`,` type($lora_a)^ `,` type($lora_b))?
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    bool hasLoRA() { return getLoraA() != nullptr; }
  }];
}

//===----------------------------------------------------------------------===//
// zen.embedding
//===----------------------------------------------------------------------===//

def Zen_EmbeddingOp : Zen_Op<"embedding", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Token-embedding lookup (nn.Embedding, no scaling)";
  let description = [{
    Gathers one row of `table` per token id:

    ```
    out[..., h] = table[ids[...], h]          table: [V, H]
    ```

    `ids` has any rank (usually [B, T]); the result has shape
    `ids.shape + [H]` and the element type of `table`. As in every Qwen3
    model, the embedding is not scaled. Ids must lie in [0, V): the runtime
    rejects other ids before the call (as HF's nn.Embedding raises), and the
    lowering clamps to [0, V-1] so an invalid id can never read outside the
    table.
    `table` is `model.embed_tokens.weight` (`thinker.model.embed_tokens.weight`
    for Qwen3-Omni).

    Example:
    ```mlir
    %x = zen.embedding %ids, %table : tensor<?x?xi64>, tensor<151936x1024xbf16>
    ```
  }];
  let arguments = (ins Zen_IndexTensor:$ids, Zen_FloatTensor:$table);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.rope
//===----------------------------------------------------------------------===//

def Zen_RoPEOp : Zen_Op<"rope", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding (NeoX rotate_half), full or partial";
  let description = [{
    Rotates the first `rotary_dim` lanes of every head of `input`
    ([B, T, heads, head_dim]) by angles taken from `positions` ([B, T]), as
    HF's `apply_rotary_pos_emb`; lanes `rotary_dim..head_dim-1` pass through
    unchanged. With d = rotary_dim and half = d / 2 (angles in f32):

    ```
    inv_freq[j] = 1 / theta^(2j / d)                 j = 0 .. half-1
        (exponent f32(2j) / f32(d); f32(theta) raised to it with an f32 pow;
         1 divided by that in f32)
    angle[b,t,j] = f32(positions[b,t]) * inv_freq[j]    (one f32 multiply: HF's K=1 matmul)
    emb = cat(angle, angle)                          width d: lane i uses j = i mod half
    cos = cos(emb), sin = sin(emb)                   then rounded to the element type of input

    rotate_half(x) = cat(-x[half:d], x[0:half])
    out[..., 0:d]        = x[..., 0:d] * cos + rotate_half(x[..., 0:d]) * sin
    out[..., d:head_dim] = x[..., d:head_dim]
    ```

    So lane i < half becomes `x[i] cos - x[i+half] sin` and lane
    half <= i < d becomes `x[i] cos + x[i-half] sin` (non-interleaved, NeoX
    style: lane i pairs with lane i + d/2). The multiply-adds run in the
    element type of `input`, as in HF.

    The same op rotates q ([B, T, nh, hd]) and k ([B, T, nkv, hd]), after
    the per-head q/k RMSNorm. Qwen3 dense/MoE: theta = 1e6 (Coder-480B: 1e7),
    rotary_dim = head_dim = 128. Qwen3-Next partial RoPE:
    rotary_dim = head_dim * partial_rotary_factor = 256 * 0.25 = 64 and
    theta = 1e7. Qwen3-Omni's interleaved M-RoPE (3 position rows) is not
    this op; for text-only input it reduces to it.

    Example:
    ```mlir
    %q2 = zen.rope %q, %pos {rotary_dim = 64 : i64, theta = 1.0e+07 : f64}
        : tensor<?x?x16x256xbf16>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_IndexTensor:$positions,
                       F64Attr:$theta, I64Attr:$rotary_dim);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.swiglu
//===----------------------------------------------------------------------===//

def Zen_SwiGLUOp : Zen_Op<"swiglu", [Pure,
    AllTypesMatch<["gate", "up", "result"]>]> {
  let summary = "silu(gate) * up, elementwise";
  let description = [{
    The gated activation of a SwiGLU MLP, on two tensors of the same type:

    ```
    out = silu(gate) * up          silu(g) = g * sigmoid(g) = g / (1 + exp(-g))
    ```

    `gate` is `x gate_projᵀ` and `up` is `x up_projᵀ` (see `zen.mlp` for the
    whole block; the fusion passes split a `zen.mlp` into linears around
    this op when they fuse gate and up).

    Example:
    ```mlir
    %h = zen.swiglu %g, %u : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$gate, Zen_FloatTensor:$up);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($gate)";
}

//===----------------------------------------------------------------------===//
// zen.mlp
//===----------------------------------------------------------------------===//

def Zen_MLPOp : Zen_Op<"mlp", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "SwiGLU MLP: down(silu(x gateᵀ) * (x upᵀ)), no biases";
  let description = [{
    The feed-forward block of the Qwen3 dense models and of every MoE expert
    and shared expert, applied to the last dimension of `input` ([..., H]):

    ```
    out = (silu(x Wgᵀ) * (x Wuᵀ)) Wdᵀ     Wg, Wu: [I, H]   Wd: [H, I]
    ```

    The weights are HF's `mlp.gate_proj.weight`, `mlp.up_proj.weight` and
    `mlp.down_proj.weight`, stored [out, in]. The result has the type of
    `input`. Qwen3-0.6B: H = 1024, I = 3072; Qwen3-4B: H = 2560, I = 9728.

    Example:
    ```mlir
    %y = zen.mlp %x, %wg, %wu, %wd : tensor<?x?x1024xf32>, tensor<3072x1024xf32>,
        tensor<3072x1024xf32>, tensor<1024x3072xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$gate_weight,
                       Zen_FloatTensor:$up_weight,
                       Zen_FloatTensor:$down_weight);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gate_weight `,` $up_weight `,` $down_weight attr-dict `:`
    type($input) `,` type($gate_weight) `,` type($up_weight) `,`
    type($down_weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.lm_head
//===----------------------------------------------------------------------===//

def Zen_LMHeadOp : Zen_Op<"lm_head", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Vocabulary projection: logits = x · Wᵀ";
  let description = [{
    Projects the final hidden states ([..., H], after the final norm) onto
    the vocabulary:

    ```
    logits = x Wᵀ              W: [V, H]
    ```

    The result has the shape of `input` with its last dimension replaced by
    V, in the element type of `input` (HF does not upcast the logits).
    `weight` is `lm_head.weight`, or `model.embed_tokens.weight` when the
    model ties its embeddings (Qwen3-0.6B and Qwen3-4B). The math is that of
    a `zen.linear` without LoRA; the op is separate so that passes can find
    the [tokens × vocab] projection (selective log-prob fusion, decode of the
    last position only).

    Example:
    ```mlir
    %logits = zen.lm_head %h, %w : tensor<?x?x1024xf32>, tensor<151936x1024xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$weight);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.l2_norm
//===----------------------------------------------------------------------===//

def Zen_L2NormOp : Zen_Op<"l2_norm", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "L2 normalisation over the last dimension (FLA in-kernel form)";
  let description = [{
    Scales each row of `input` over its last dimension to unit L2 norm, with
    eps inside the square root, as FLA's in-kernel l2norm that the gated
    delta rule applies to q and k:

    ```
    out = x * rsqrt(sum(x^2, -1) + eps)        (computed in f32)
    ```

    This is not torch's `F.normalize`, which computes `x / max(||x||, eps)`.
    Qwen3-Next uses eps = 1e-6 over the key head dim (128).

    Example:
    ```mlir
    %qn = zen.l2_norm %q : tensor<?x?x16x128xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}


//===----------------------------------------------------------------------===//
// zen.mask_padding
//===----------------------------------------------------------------------===//

def Zen_MaskPaddingOp : Zen_Op<"mask_padding", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Zero the hidden states of padding positions";
  let description = [{
    Multiplies every [b, t, ...] row of `input` by `mask[b, t] != 0`, as HF's
    `apply_mask_to_padding_states` does before a Gated-DeltaNet layer: with
    left padding, padded tokens must not leak into the causal convolution or
    the recurrent state. `mask` is the [B, T] attention mask (1 keeps a token).

    Example:
    ```mlir
    %h = zen.mask_padding %x, %mask : tensor<?x?x2048xbf16>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_MaskTensor:$mask);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $mask attr-dict `:` type($input) `,` type($mask)
  }];
  let hasVerifier = 1;
}

#endif // ZEN_MODEL_OPS_TD
