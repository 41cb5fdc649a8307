//===- ZenDeltaNetGradOps.td - backward ops of Gated DeltaNet ---*- tablegen -*-===//
//
// Dedicated backward ops of the Gated-DeltaNet mixer (causal conv1d, gates,
// the chunked gated delta rule, gated RMSNorm), built by
// lib/Dialect/Zen/Autodiff/DeltaNetOpsVJP.cpp and lowered like forward ops.
// Each computes the exact vector-Jacobian product of its forward op's
// description in ZenAttentionOps.td, in f32, from the primal inputs
// (recomputing what the forward computed instead of storing it). Parameter
// gradients have their own ops so that frozen weights cost nothing.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_DELTANET_GRAD_OPS_TD
#define ZEN_DELTANET_GRAD_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// zen.causal_conv1d_grad
//===----------------------------------------------------------------------===//

def Zen_CausalConv1dGradOp : Zen_Op<"causal_conv1d_grad", [Pure,
    AllTypesMatch<["input", "out_grad", "input_grad"]>]> {
  let summary = "Input cotangent of zen.causal_conv1d (no conv state)";
  let description = [{
    The vector-Jacobian product of `out` of `zen.causal_conv1d` without a
    state (prefill / training form) with respect to its input. With
    x = input [B, T, C], w = weight [C, 1, K] and dout = out_grad [B, T, C]:

    ```
    y[b, t, c]   = Σ_{i<K} w[c, 0, i] · x[b, t − K + 1 + i, c]    (x = 0 before t = 0)
    dy           = dout · act'(y)           act' = 1 (none), σ(y)(1 + y(1 − σ(y))) (silu)
    dx[b, s, c]  = Σ_{i<K, s+K−1−i < T} w[c, 0, i] · dy[b, s + K − 1 − i, c]
    ```

    y is recomputed in f32 (not stored by the forward); the result is
    rounded to the input's element type. Only the activations `none` and
    `silu` (Qwen3-Next's) are supported. The weight cotangent is
    `zen.causal_conv1d_weight_grad`.

    Example:
    ```mlir
    %dx = zen.causal_conv1d_grad %x, %w, %dy
        : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$weight,
                       Zen_FloatTensor:$out_grad,
                       DefaultValuedAttr<Zen_ActivationAttr,
                           "::mlir::zen::Activation::silu">:$activation);
  let results = (outs Zen_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $out_grad attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.causal_conv1d_weight_grad
//===----------------------------------------------------------------------===//

def Zen_CausalConv1dWeightGradOp : Zen_Op<"causal_conv1d_weight_grad", [Pure,
    AllTypesMatch<["input", "out_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "Weight cotangent of zen.causal_conv1d (no conv state)";
  let description = [{
    The vector-Jacobian product of `out` of `zen.causal_conv1d` without a
    state with respect to its depthwise kernel, with y and dy as in
    `zen.causal_conv1d_grad`:

    ```
    dw[c, 0, i] = Σ_{b, t} dy[b, t, c] · x[b, t − K + 1 + i, c]     (x = 0 before t = 0)
    ```

    summed in f32 over batch and time, rounded to the weight's element type.

    Example:
    ```mlir
    %dw = zen.causal_conv1d_weight_grad %x, %w, %dy
        : tensor<?x?x8192xbf16>, tensor<8192x1x4xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$weight,
                       Zen_FloatTensor:$out_grad,
                       DefaultValuedAttr<Zen_ActivationAttr,
                           "::mlir::zen::Activation::silu">:$activation);
  let results = (outs Zen_FloatTensor:$weight_grad);
  let assemblyFormat = [{
    $input `,` $weight `,` $out_grad attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gdn_gates_grad
//===----------------------------------------------------------------------===//

def Zen_GdnGatesGradOp : Zen_Op<"gdn_gates_grad", [Pure,
    AllTypesMatch<["a", "b", "a_grad", "b_grad"]>,
    AllTypesMatch<["g_grad", "beta_grad"]>]> {
  let summary = "Cotangents of the a and b projections through zen.gdn_gates";
  let description = [{
    The vector-Jacobian product of `zen.gdn_gates` with respect to `a` and
    `b`, given the cotangents dg and dβ of its results (f32 [B, T, Hv]):

    ```
    x  = a + dt_bias
    da = dg · (−exp(A_log)) · softplus'(x)     softplus'(x) = 1 if x > 20, else σ(x)
    db = dβ · σ(b) (1 − σ(b))
    ```

    Computed in f32 and rounded to a's element type. The cotangents of
    `A_log` and `dt_bias` are `zen.gdn_gates_param_grad`.

    Example:
    ```mlir
    %da, %db = zen.gdn_gates_grad %a, %b, %A_log, %dt_bias, %dg, %dbeta
        : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$a, Zen_FloatTensor:$b,
                       Zen_FloatTensor:$A_log, Zen_FloatTensor:$dt_bias,
                       Zen_F32Tensor:$g_grad, Zen_F32Tensor:$beta_grad);
  let results = (outs Zen_FloatTensor:$a_grad, Zen_FloatTensor:$b_grad);
  let assemblyFormat = [{
    $a `,` $b `,` $A_log `,` $dt_bias `,` $g_grad `,` $beta_grad attr-dict `:`
    type($a) `,` type($A_log) `,` type($dt_bias) `,` type($g_grad)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gdn_gates_param_grad
//===----------------------------------------------------------------------===//

def Zen_GdnGatesParamGradOp : Zen_Op<"gdn_gates_param_grad", [Pure,
    AllTypesMatch<["A_log", "A_log_grad"]>,
    AllTypesMatch<["dt_bias", "dt_bias_grad"]>]> {
  let summary = "Cotangents of A_log and dt_bias through zen.gdn_gates";
  let description = [{
    The vector-Jacobian product of `g` of `zen.gdn_gates` with respect to
    its per-head parameters (β does not depend on them), with x and da as
    in `zen.gdn_gates_grad`:

    ```
    dA_log[h]   = Σ_{b, t} dg[b, t, h] · g[b, t, h]
                = Σ_{b, t} dg · (−exp(A_log[h]) · softplus(x))
    ddt_bias[h] = Σ_{b, t} da[b, t, h]
    ```

    summed in f32 over batch and time, rounded to each parameter's element
    type.

    Example:
    ```mlir
    %dA, %ddt = zen.gdn_gates_param_grad %a, %A_log, %dt_bias, %dg
        : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>, tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$a, Zen_FloatTensor:$A_log,
                       Zen_FloatTensor:$dt_bias, Zen_F32Tensor:$g_grad);
  let results = (outs Zen_FloatTensor:$A_log_grad,
                      Zen_FloatTensor:$dt_bias_grad);
  let assemblyFormat = [{
    $a `,` $A_log `,` $dt_bias `,` $g_grad attr-dict `:`
    type($a) `,` type($A_log) `,` type($dt_bias) `,` type($g_grad)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gated_delta_rule_grad
//===----------------------------------------------------------------------===//

def Zen_GatedDeltaRuleGradOp : Zen_Op<"gated_delta_rule_grad", [Pure,
    AttrSizedOperandSegments, AllTypesMatch<["v", "out_grad"]>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Backward of zen.gated_delta_rule, recomputing the states";
  let description = [{
    The vector-Jacobian product of `zen.gated_delta_rule` (either mode: both
    compute the same function) with respect to q, k, v, g, beta and, when
    given, the initial state. Operands and attributes are the forward op's
    (`chunk_size`, `scale`, `use_qk_l2norm`), plus the cotangents
    `out_grad` (dO, v's type) and optionally `final_state_grad` (dS_T, f32
    [B, Hv, dk, dv]; zero when absent).

    Per batch b and value head h, with the preprocessed q̂_t, k̂_t (L2 norm,
    scale, key head h // (Hv / Hk)) of the forward op, states S_t (S_0 the
    initial state) and A_t = e^{g_t} S_{t−1}:

    ```
    u_t = A_tᵀ k̂_t;  δ_t = β_t (v_t − u_t);  S_t = A_t + k̂_t δ_tᵀ;  o_t = S_tᵀ q̂_t
    ```

    the cotangents run backwards in time from dS = dS_T:

    ```
    dS   += q̂_t do_tᵀ;         dq̂_t = S_t do_t
    dδ    = dSᵀ k̂_t;           dk̂_t = dS δ_t
    dβ_t  = dδ · (v_t − u_t);   dv_t = β_t dδ;     du = −β_t dδ
    dA    = dS + k̂_t duᵀ;      dk̂_t += A_t du
    dg_t  = ⟨A_t, dA⟩;          dS ← e^{g_t} dA     (dS_{t−1})
    ```

    and d initial_state is the final dS. dq̂, dk̂ are summed over the value
    heads sharing a key head and taken back through the scale and the L2
    norm (y = x r, r = rsqrt(Σx² + 1e-6): dx = r (dy − y (y · dy))).

    The states are recomputed, never stored by the forward: a first sweep
    keeps the state at the start of each chunk of `chunk_size` tokens
    ([B, Hv, ⌈T/C⌉, dk, dv]); the backward sweep walks the chunks in reverse,
    recomputing each chunk's per-token states from its start state. Exact
    for any T (the last chunk is shorter). Everything runs in f32; dq, dk,
    dv are rounded to the inputs' element type, dg, dβ and d initial_state
    are f32. The result `initial_state_grad` exists iff `initial_state` is
    given.

    Example:
    ```mlir
    %dq, %dk, %dv, %dg, %db = zen.gated_delta_rule_grad %q, %k, %v, %g, %beta, %do
        {use_qk_l2norm}
        : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>,
          tensor<?x?x32xf32>, tensor<?x?x32xf32>
    %dq1, %dk1, %dv1, %dg1, %db1, %ds0 = zen.gated_delta_rule_grad
        %q, %k, %v, %g, %beta, %do initial_state(%s0 : tensor<?x32x128x128xf32>)
        final_state_grad(%ds : tensor<?x32x128x128xf32>) {chunk_size = 32 : i64}
        : tensor<?x?x16x128xf32>, tensor<?x?x16x128xf32>, tensor<?x?x32x128xf32>,
          tensor<?x?x32xf32>, tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$q, Zen_FloatTensor:$k,
                       Zen_FloatTensor:$v, Zen_F32Tensor:$g,
                       Zen_F32Tensor:$beta, Zen_FloatTensor:$out_grad,
                       Optional<Zen_F32Tensor>:$initial_state,
                       Optional<Zen_F32Tensor>:$final_state_grad,
                       DefaultValuedAttr<I64Attr, "64">:$chunk_size,
                       OptionalAttr<F64Attr>:$scale,
                       UnitAttr:$use_qk_l2norm);
  let results = (outs Zen_FloatTensor:$q_grad, Zen_FloatTensor:$k_grad,
                      Zen_FloatTensor:$v_grad, Zen_F32Tensor:$g_grad,
                      Zen_F32Tensor:$beta_grad,
                      Optional<Zen_F32Tensor>:$initial_state_grad);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $g `,` $beta `,` $out_grad
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    (`final_state_grad` `(` $final_state_grad^ `:` type($final_state_grad) `)`)?
    attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($g) `,` type($beta)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The query scale: the `scale` attribute, else dk^-0.5; none when
    /// neither is known at compile time (dynamic dk).
    std::optional<double> getScaleValue();
  }];
}

//===----------------------------------------------------------------------===//
// zen.gated_rms_norm_grad
//===----------------------------------------------------------------------===//

def Zen_GatedRMSNormGradOp : Zen_Op<"gated_rms_norm_grad", [Pure,
    AllTypesMatch<["input", "gate", "out_grad", "input_grad", "gate_grad"]>]> {
  let summary = "Input and gate cotangents of zen.gated_rms_norm";
  let description = [{
    The vector-Jacobian product of `zen.gated_rms_norm` with respect to x
    and the gate z, per row over the last dim D:

    ```
    r  = rsqrt(mean(x²) + eps);  y = x r;  s = silu(z)
    dz = dout · w · y · silu'(z)            silu'(z) = σ(z)(1 + z(1 − σ(z)))
    dy = dout · w · s
    dx = r (dy − y · mean(dy · y))
    ```

    Computed in f32, rounded to x's element type. The weight cotangent is
    `zen.gated_rms_norm_weight_grad`.

    Example:
    ```mlir
    %dx, %dz = zen.gated_rms_norm_grad %o, %z, %w, %dy : tensor<?x?x32x128xbf16>, tensor<128xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$gate,
                       Zen_FloatTensor:$weight, Zen_FloatTensor:$out_grad,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs Zen_FloatTensor:$input_grad, Zen_FloatTensor:$gate_grad);
  let assemblyFormat = [{
    $input `,` $gate `,` $weight `,` $out_grad attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gated_rms_norm_weight_grad
//===----------------------------------------------------------------------===//

def Zen_GatedRMSNormWeightGradOp : Zen_Op<"gated_rms_norm_weight_grad", [Pure,
    AllTypesMatch<["input", "gate", "out_grad"]>,
    AllTypesMatch<["weight", "weight_grad"]>]> {
  let summary = "Weight cotangent of zen.gated_rms_norm";
  let description = [{
    The vector-Jacobian product of `zen.gated_rms_norm` with respect to its
    weight, with y and s as in `zen.gated_rms_norm_grad`:

    ```
    dw[d] = Σ_rows dout[.., d] · y[.., d] · s[.., d]
    ```

    summed in f32 over every leading dim, rounded to the weight's element
    type.

    Example:
    ```mlir
    %dw = zen.gated_rms_norm_weight_grad %o, %z, %w, %dy : tensor<?x?x32x128xbf16>, tensor<128xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$gate,
                       Zen_FloatTensor:$weight, Zen_FloatTensor:$out_grad,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs Zen_FloatTensor:$weight_grad);
  let assemblyFormat = [{
    $input `,` $gate `,` $weight `,` $out_grad attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

#endif // ZEN_DELTANET_GRAD_OPS_TD
