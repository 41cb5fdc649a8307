//===- ZenModelGradOps.td - backward ops of the model blocks ---*- tablegen -*-===//
//
// Dedicated backward (vector-Jacobian) ops of the dense model blocks and of
// attention, built by their DifferentiableOpInterface models
// (lib/Dialect/Zen/Autodiff/ModelOpsVJP.cpp) and lowered like forward ops.
//
// Conventions shared by every op here: `output_grad` is the cotangent of the
// forward op's result (dL/d out); each `*_grad` result is the cotangent of
// the forward operand of the same name and has exactly that operand's type.
// Optional results are computed only when present, so a frozen weight gets
// no gradient and costs nothing. Accumulations run in f32 and each result
// is rounded once to its element type.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_MODEL_GRAD_OPS_TD
#define ZEN_MODEL_GRAD_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// zen.linear_grad
//===----------------------------------------------------------------------===//

def Zen_LinearGradOp : Zen_Op<"linear_grad", [Pure, AttrSizedOperandSegments,
    AttrSizedResultSegments]> {
  let summary = "Backward of zen.linear / zen.lm_head: dx, dW and the LoRA dA, dB";
  let description = [{
    The vector-Jacobian product of `out = x Wᵀ + s (x Aᵀ) Bᵀ` (`zen.linear`,
    LoRA optional; `zen.lm_head` is the case without LoRA). With
    dy = `output_grad` [..., out] and sums over every leading (row) index:

    ```
    input_grad  = dy W + s (dy B) A                  [..., in]
    weight_grad = Σ_rows dyᵀ x                       [out, in]
    lora_a_grad = s Σ_rows (dy B)ᵀ x                 [r, in]
    lora_b_grad = s Σ_rows dyᵀ (x Aᵀ)                [out, r]
    ```

    Each result is present only when asked for (at least one must be):
    LoRA training asks for `lora_a_grad` and `lora_b_grad` and never pays for
    the [out, in] `weight_grad`. The LoRA grads require the adapter operands
    and `lora_scale` (s). Products accumulate in f32 and each result is
    rounded once to its element type.

    Example:
    ```mlir
    %dx, %da, %db = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
        : tensor<?x?x2048xf32>, tensor<?x?x1024xf32>, tensor<2048x1024xf32>,
          tensor<8x1024xf32>, tensor<2048x8xf32>
        -> input_grad(tensor<?x?x1024xf32>) lora_a_grad(tensor<8x1024xf32>)
           lora_b_grad(tensor<2048x8xf32>)
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad, Zen_FloatTensor:$input,
                       Zen_FloatTensor:$weight,
                       Optional<Zen_FloatTensor>:$lora_a,
                       Optional<Zen_FloatTensor>:$lora_b,
                       OptionalAttr<F64Attr>:$lora_scale);
  let results = (outs Optional<Zen_FloatTensor>:$input_grad,
                      Optional<Zen_FloatTensor>:$weight_grad,
                      Optional<Zen_FloatTensor>:$lora_a_grad,
                      Optional<Zen_FloatTensor>:$lora_b_grad);
  let assemblyFormat = [{
    $output_grad `,` $input `,` $weight (`lora` `(` $lora_a^ `,` $lora_b `)`)?
    attr-dict `:` type($output_grad) `,` type($input) `,` type($weight)
    (`,` type($lora_a)^ `,` type($lora_b))? `->`
    (`input_grad` `(` type($input_grad)^ `)`)?
    (`weight_grad` `(` type($weight_grad)^ `)`)?
    (`lora_a_grad` `(` type($lora_a_grad)^ `)`)?
    (`lora_b_grad` `(` type($lora_b_grad)^ `)`)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool hasLoRA() { return getLoraA() != nullptr; }
  }];
}

//===----------------------------------------------------------------------===//
// zen.rms_norm_grad
//===----------------------------------------------------------------------===//

def Zen_RMSNormGradOp : Zen_Op<"rms_norm_grad", [Pure,
    AttrSizedResultSegments]> {
  let summary = "Backward of zen.rms_norm (plain or zero-centred): dx, dw";
  let description = [{
    The vector-Jacobian product of `out = s ⊙ y`, `y = x · r`,
    `r = rsqrt(mean(x², -1) + eps)`, with s = w (plain) or 1 + w
    (`zero_centered`), over the last dimension D (all in f32):

    ```
    g = dy ⊙ s
    input_grad  = r · (g − y · mean(g ⊙ y, -1))        [..., D]
    weight_grad = Σ_rows dy ⊙ y                         [D]
    ```

    (the same formula for both variants: d(1 + w)/dw = 1). Each result is
    present only when asked for (at least one must be).

    Example:
    ```mlir
    %dx, %dw = zen.rms_norm_grad %dy, %x, %w {eps = 1.0e-06 : f64}
        : tensor<?x?x1024xf32>, tensor<?x?x1024xf32>, tensor<1024xf32>
        -> input_grad(tensor<?x?x1024xf32>) weight_grad(tensor<1024xf32>)
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad, Zen_FloatTensor:$input,
                       Zen_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps,
                       UnitAttr:$zero_centered);
  let results = (outs Optional<Zen_FloatTensor>:$input_grad,
                      Optional<Zen_FloatTensor>:$weight_grad);
  let assemblyFormat = [{
    $output_grad `,` $input `,` $weight attr-dict `:` type($output_grad) `,`
    type($input) `,` type($weight) `->`
    (`input_grad` `(` type($input_grad)^ `)`)?
    (`weight_grad` `(` type($weight_grad)^ `)`)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.l2_norm_grad
//===----------------------------------------------------------------------===//

def Zen_L2NormGradOp : Zen_Op<"l2_norm_grad", [Pure,
    AllTypesMatch<["output_grad", "input", "input_grad"]>]> {
  let summary = "Backward of zen.l2_norm: dx";
  let description = [{
    The vector-Jacobian product of `y = x · r`, `r = rsqrt(sum(x², -1) + eps)`
    over the last dimension (in f32):

    ```
    input_grad = r · (dy − y · sum(dy ⊙ y, -1))
    ```

    Example:
    ```mlir
    %dx = zen.l2_norm_grad %dy, %x : tensor<?x?x16x128xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad, Zen_FloatTensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs Zen_FloatTensor:$input_grad);
  let assemblyFormat = "$output_grad `,` $input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.embedding_grad
//===----------------------------------------------------------------------===//

def Zen_EmbeddingGradOp : Zen_Op<"embedding_grad", [Pure,
    AllTypesMatch<["table", "table_grad"]>]> {
  let summary = "Backward of zen.embedding: scatter-add of output rows into dW";
  let description = [{
    The vector-Jacobian product of `out[..., h] = table[ids[...], h]` with
    respect to the table: every output row is added to the row of its id,

    ```
    table_grad[v, h] = Σ_{p : ids[p] = v} output_grad[p, h]     (f32 sums)
    ```

    Rows of ids that never occur are 0. `table` is read only for its type
    (the vocabulary size may be dynamic); ids are clamped to [0, V) as in
    the forward lowering. `output_grad` has shape `ids.shape + [H]`.

    Example:
    ```mlir
    %dt = zen.embedding_grad %dy, %ids, %table
        : tensor<?x?x1024xf32>, tensor<?x?xi64>, tensor<151936x1024xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad, Zen_IndexTensor:$ids,
                       Zen_FloatTensor:$table);
  let results = (outs Zen_FloatTensor:$table_grad);
  let assemblyFormat = [{
    $output_grad `,` $ids `,` $table attr-dict `:` type($output_grad) `,`
    type($ids) `,` type($table)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.rope_grad
//===----------------------------------------------------------------------===//

def Zen_RoPEGradOp : Zen_Op<"rope_grad", [Pure,
    AllTypesMatch<["output_grad", "input_grad"]>]> {
  let summary = "Backward of zen.rope: the inverse rotation";
  let description = [{
    RoPE rotates each lane pair (i, i + d/2), i < d/2 = `rotary_dim` / 2, by
    the angle a = positions · inv_freq[i] (see `zen.rope`); its transpose is
    the rotation by −a, and the pass-through lanes get the cotangent as is:

    ```
    input_grad[..., i]        =  dy[i] cos a + dy[i + d/2] sin a     i < d/2
    input_grad[..., i + d/2]  = −dy[i] sin a + dy[i + d/2] cos a
    input_grad[..., d:]       =  dy[..., d:]
    ```

    i.e. `zen.rope` of `output_grad` at positions −positions, with the same
    `theta` and `rotary_dim` (cos and sin computed exactly as the forward).

    Example:
    ```mlir
    %dq = zen.rope_grad %dq2, %pos {rotary_dim = 64 : i64, theta = 1.0e+07 : f64}
        : tensor<?x?x16x256xf32>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad,
                       Zen_IndexTensor:$positions, F64Attr:$theta,
                       I64Attr:$rotary_dim);
  let results = (outs Zen_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $output_grad `,` $positions attr-dict `:` type($output_grad) `,`
    type($positions)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.swiglu_grad
//===----------------------------------------------------------------------===//

def Zen_SwiGLUGradOp : Zen_Op<"swiglu_grad", [Pure, AttrSizedResultSegments,
    AllTypesMatch<["output_grad", "gate", "up"]>]> {
  let summary = "Backward of zen.swiglu: d gate, d up";
  let description = [{
    The vector-Jacobian product of `out = silu(gate) ⊙ up` (in f32, σ the
    logistic sigmoid):

    ```
    gate_grad = dy ⊙ up ⊙ σ(g) (1 + g (1 − σ(g)))      silu'(g)
    up_grad   = dy ⊙ silu(g)
    ```

    Each result is present only when asked for (at least one must be).

    Example:
    ```mlir
    %dg, %du = zen.swiglu_grad %dh, %g, %u : tensor<?x?x3072xf32>
        -> gate_grad(tensor<?x?x3072xf32>) up_grad(tensor<?x?x3072xf32>)
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad, Zen_FloatTensor:$gate,
                       Zen_FloatTensor:$up);
  let results = (outs Optional<Zen_FloatTensor>:$gate_grad,
                      Optional<Zen_FloatTensor>:$up_grad);
  let assemblyFormat = [{
    $output_grad `,` $gate `,` $up attr-dict `:` type($gate) `->`
    (`gate_grad` `(` type($gate_grad)^ `)`)?
    (`up_grad` `(` type($up_grad)^ `)`)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.attention_grad
//===----------------------------------------------------------------------===//

def Zen_AttentionGradOp : Zen_Op<"attention_grad", [Pure,
    AttrSizedOperandSegments, AttrSizedResultSegments,
    AllTypesMatch<["output_grad", "q"]>,
    OptionalTypesMatchWith<"gate has the type of q", "q", "gate", "$_self">]> {
  let summary = "Backward of zen.attention without a cache: dq, dk, dv, d gate";
  let description = [{
    The vector-Jacobian product of the cache-less `zen.attention` (GQA,
    optional key-padding mask, causal, optional sigmoid output gate, scale
    = hd^-0.5 unless given). The probabilities are recomputed from q and k
    (never stored by the forward), in f32:

    ```
    s, p = scores and softmax of zen.attention     p: [B, nh, T, S], 0 where masked
    o[b,t,j,:] = Σ_u p[b,j,t,u] v[b,u,j//n_rep,:]
    do = dy ⊙ sigmoid(gate)        (dy without a gate)
    gate_grad = dy ⊙ o ⊙ σ(gate)(1 − σ(gate))
    dp[b,j,t,u] = do[b,t,j,:] · v[b,u,j//n_rep,:]
    ds = p ⊙ (dp − Σ_u p ⊙ dp)
    q_grad[b,t,j,:] = scale Σ_u ds[b,j,t,u] k[b,u,j//n_rep,:]
    k_grad[b,u,h,:] = scale Σ_{j//n_rep = h} Σ_t ds[b,j,t,u] q[b,t,j,:]
    v_grad[b,u,h,:] = Σ_{j//n_rep = h} Σ_t p[b,j,t,u] do[b,t,j,:]
    ```

    Masked keys and query rows with no visible key get zero gradients.
    Each result is present only when asked for (at least one must be);
    `gate_grad` needs the `gate` operand.

    Example:
    ```mlir
    %dq, %dk, %dv = zen.attention_grad %dy, %q, %k, %v mask(%m : tensor<?x?xi64>) {causal}
        : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>
        -> q_grad(tensor<?x?x16x128xf32>) k_grad(tensor<?x?x8x128xf32>)
           v_grad(tensor<?x?x8x128xf32>)
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$output_grad, Zen_FloatTensor:$q,
                       Zen_FloatTensor:$k, Zen_FloatTensor:$v,
                       Optional<Zen_MaskTensor>:$mask,
                       Optional<Zen_FloatTensor>:$gate,
                       UnitAttr:$causal,
                       OptionalAttr<F64Attr>:$scale);
  let results = (outs Optional<Zen_FloatTensor>:$q_grad,
                      Optional<Zen_FloatTensor>:$k_grad,
                      Optional<Zen_FloatTensor>:$v_grad,
                      Optional<Zen_FloatTensor>:$gate_grad);
  let assemblyFormat = [{
    $output_grad `,` $q `,` $k `,` $v
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`gate` `(` $gate^ `)`)?
    attr-dict `:` type($q) `,` type($k) `,` type($v) `->`
    (`q_grad` `(` type($q_grad)^ `)`)?
    (`k_grad` `(` type($k_grad)^ `)`)?
    (`v_grad` `(` type($v_grad)^ `)`)?
    (`gate_grad` `(` type($gate_grad)^ `)`)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale: the `scale` attribute, else hd^-0.5; none when
    /// neither is known at compile time (dynamic hd).
    std::optional<double> getScaleValue();
  }];
}

#endif // ZEN_MODEL_GRAD_OPS_TD
