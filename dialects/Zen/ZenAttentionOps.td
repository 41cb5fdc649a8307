//===- ZenAttentionOps.td - attention and Gated-DeltaNet ----*- tablegen -*-===//
//
// The token mixers of the Zen models: grouped-query softmax attention (with
// an optional KV cache and Qwen3-Next's sigmoid output gate) and the pieces
// of Qwen3-Next's Gated DeltaNet linear attention: the causal depthwise
// convolution, the decay/write-strength gates, the gated delta rule itself
// and the gated RMSNorm that follows it. The math is that of HF transformers
// (shared/reference/qwen3-architectures.md §2.3, 2.6, 2.7, 2.10).
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_ATTENTION_OPS_TD
#define ZEN_ATTENTION_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "Zen/ZenInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A position in a KV cache: a 0-d i64 tensor, so that decode steps can pass
// it as a function argument. Buildable, so the assembly format omits its type.
def Zen_PositionTensor : 0DTensorOf<[I64]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getI64Type())">;

//===----------------------------------------------------------------------===//
// zen.attention
//===----------------------------------------------------------------------===//

def Zen_AttentionOp : Zen_Op<"attention", [Pure, AttrSizedOperandSegments,
    AttrSizedResultSegments, AllTypesMatch<["q", "out"]>,
    OptionalTypesMatchWith<"gate has the type of q", "q", "gate", "$_self">]> {
  let summary = "Grouped-query softmax attention with optional mask, output gate and KV cache";
  let description = [{
    Scaled dot-product attention with grouped-query heads, as in Qwen3,
    Qwen3-MoE, the Omni thinker and Qwen3-Next's full-attention layers:

    ```
    q: [B, T, nh, hd]   k, v: [B, S, nkv, hd]   n_rep = nh / nkv
    query head j reads KV head j // n_rep          (HF repeat_kv)
    s[b,j,t,u] = scale · q[b,t,j,:] · k[b,u,j//n_rep,:]    scale = hd^-0.5 unless given
    s = -inf where key u is masked out (mask[b,u] == 0) or, with `causal`,
        where pos(u) > pos(t)
    p = softmax(s, over u)                          (scores and softmax in f32)
    o[b,t,j,:] = Σ_u p[b,j,t,u] · v[b,u,j//n_rep,:] (accumulated in f32)
    out = o                                         (no gate)
    out = o ⊙ sigmoid(gate)                         (gate: [B, T, nh, hd], Qwen3-Next)
    ```

    `out` has the type of `q`. A query row with no key left to attend to
    (a left-padding query) gives 0; HF's eager path gives an average of V
    there, which is never read.

    **mask** (optional) is a key-padding mask [B, Skv], 1 = attend, 0 =
    drop (HF's 2-D `attention_mask`); Skv = S without a cache and Smax (the
    cache length) with one, where column u is cache position u.

    **gate** (optional) is Qwen3-Next's per-head output gate: the second half
    of each head's q_proj rows, viewed [B, T, nh, hd]. It is applied here,
    before o_proj.

    **cache** (optional, all three together): `k_cache`, `v_cache`
    [B, nkv, Smax, hd] hold the keys and values of earlier tokens (post
    qk-norm, post RoPE, HF's [batch, heads, seq, dim] layout) and
    `cache_position` (a 0-d i64 tensor p0) is the absolute position of the
    first new token. The op then:
      1. writes the new k, v at cache positions p0 .. p0+S-1
         (new_k_cache[b, h, p0+u, :] = k[b, u, h, :], likewise v);
         p0 + S must not exceed Smax (the verifier checks S <= Smax when
         both are static; p0 is the caller's contract);
      2. attends over cache positions [0, p0+S) of the updated caches
         instead of over k, v (later slots are ignored, mask or not);
      3. returns the updated caches as `new_k_cache`, `new_v_cache`.
    Positions for the causal test: query t is at p0 + t and cache entry u at
    u. Without a cache p0 = 0: query t is at t and key u at u.

    qk-norm placement: this op does not normalise q or k. Qwen3's per-head
    q_norm/k_norm is a `zen.rms_norm` over hd (zero-centred in Qwen3-Next)
    applied to q [B,T,nh,hd] and k [B,S,nkv,hd] BEFORE `zen.rope`, and RoPE
    comes before this op; v is never normalised.

    `out` takes q's type and the updated caches their inputs' types, so the
    assembly spells the cache type once, inside `cache(...)`.

    Example:
    ```mlir
    // Qwen3-0.6B prefill: 16 query heads, 8 KV heads, hd 128, padding mask.
    %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi1>) {causal}
        : tensor<?x?x16x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
    // Qwen3-Next gated attention, decode step against a 4096-entry cache.
    %o2, %kc1, %vc1 = zen.attention %q1, %k1, %v1 gate(%g1)
        cache(%kc, %vc at %pos : tensor<1x2x4096x256xbf16>, tensor<1x2x4096x256xbf16>)
        {causal}
        : tensor<1x1x16x256xbf16>, tensor<1x1x2x256xbf16>, tensor<1x1x2x256xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$q, Zen_FloatTensor:$k,
                       Zen_FloatTensor:$v,
                       Optional<Zen_MaskTensor>:$mask,
                       Optional<Zen_FloatTensor>:$gate,
                       Optional<Zen_FloatTensor>:$k_cache,
                       Optional<Zen_FloatTensor>:$v_cache,
                       Optional<Zen_PositionTensor>:$cache_position,
                       UnitAttr:$causal,
                       OptionalAttr<F64Attr>:$scale);
  let results = (outs Zen_FloatTensor:$out,
                      Optional<Zen_FloatTensor>:$new_k_cache,
                      Optional<Zen_FloatTensor>:$new_v_cache);
  let assemblyFormat = [{
    $q `,` $k `,` $v
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`gate` `(` $gate^ `)`)?
    (`cache` `(` $k_cache^ `,` $v_cache `at` $cache_position `:`
        custom<CacheTypes>(type($k_cache), type($v_cache),
                           type($new_k_cache), type($new_v_cache)) `)`)?
    attr-dict `:` type($q) `,` type($k) `,` type($v)
  }];
  let builders = [
    // Infers the result types: `out` takes q's type and the updated caches
    // their operands' types. Pass null Values for absent optional operands.
    OpBuilder<(ins "::mlir::Value":$q, "::mlir::Value":$k, "::mlir::Value":$v,
                   "::mlir::Value":$mask, "::mlir::Value":$gate,
                   "::mlir::Value":$k_cache, "::mlir::Value":$v_cache,
                   "::mlir::Value":$cache_position, "bool":$causal,
                   "::mlir::FloatAttr":$scale)>
  ];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool hasCache() { return getKCache() != nullptr; }
    // The `cache(...)` group spells each cache type once: it types both the
    // cache operand and the updated-cache result (ODS cannot infer optional
    // results from optional operands).
    static ::mlir::ParseResult parseCacheTypes(::mlir::OpAsmParser &parser,
        ::mlir::Type &kCache, ::mlir::Type &vCache, ::mlir::Type &newKCache,
        ::mlir::Type &newVCache);
    static void printCacheTypes(::mlir::OpAsmPrinter &printer, AttentionOp op,
        ::mlir::Type kCache, ::mlir::Type vCache, ::mlir::Type newKCache,
        ::mlir::Type newVCache);
    /// The softmax scale: the `scale` attribute, else hd^-0.5; none when
    /// neither is known at compile time (dynamic hd).
    std::optional<double> getScaleValue();
  }];
}

//===----------------------------------------------------------------------===//
// zen.causal_conv1d
//===----------------------------------------------------------------------===//

def Zen_CausalConv1dOp : Zen_Op<"causal_conv1d", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Depthwise causal 1-D convolution over time, with conv state";
  let description = [{
    Gated DeltaNet's short convolution (HF `conv1d` with groups = C,
    padding K-1, no bias, cropped to T) followed by an activation:

    ```
    input: [B, T, C]   weight: [C, 1, K]   state: [B, C, K]
    xpad[c, j] = input[b, j, c]                 for 0 <= j < T
               = state[b, c, K + j]             for -K <= j < 0 (with state)
               = 0                              for j < 0       (without state)
    y[b, t, c] = Σ_{i=0..K-1} weight[c, 0, i] · xpad[c, t - K + 1 + i]
    out = activation(y)                         (default silu)
    new_state[b, c, m] = xpad[c, T - K + m]     for m in [0, K)
    ```

    `state` is HF's `conv_state`: the last K pre-convolution columns of
    earlier tokens (its first column is never read, since the kernel only
    looks K-1 steps back; it is kept for HF layout compatibility).
    `new_state` is always produced: the last K pre-convolution columns of
    state ‖ input, left zero-padded when there is no state and T < K (HF
    prefill's `F.pad(x, (K - T, 0))`). A decode step (T = 1) with a state
    is HF's `causal_conv1d_update`. In Qwen3-Next C = 8192 (q ‖ k ‖ v,
    head-major) and K = 4.

    Example:
    ```mlir
    %y, %s1 = zen.causal_conv1d %x, %w state(%s)
        : tensor<1x1x8192xbf16>, tensor<8192x1x4xbf16>, tensor<1x8192x4xbf16>
    %z, %s0 = zen.causal_conv1d %x2, %w {activation = #zen.activation<none>}
        : tensor<?x?x8192xf32>, tensor<8192x1x4xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$weight,
                       Optional<Zen_FloatTensor>:$state,
                       DefaultValuedAttr<Zen_ActivationAttr,
                           "::mlir::zen::Activation::silu">:$activation);
  let results = (outs Zen_FloatTensor:$out, Zen_FloatTensor:$new_state);
  let assemblyFormat = [{
    $input `,` $weight (`state` `(` $state^ `)`)? attr-dict `:`
    type($input) `,` type($weight) (`,` type($state)^)?
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gdn_gates
//===----------------------------------------------------------------------===//

def Zen_GdnGatesOp : Zen_Op<"gdn_gates", [Pure, AllTypesMatch<["a", "b"]>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Gated DeltaNet decay g and write strength beta from the a/b projections";
  let description = [{
    Turns the `a` and `b` halves of Qwen3-Next's `in_proj_ba` into the
    per-token, per-value-head gates of `zen.gated_delta_rule`:

    ```
    a, b: [B, T, Hv]   A_log, dt_bias: [Hv]
    g    = -exp(A_log) · softplus(a + dt_bias)   (f32; a log-decay, always <= 0)
    beta = sigmoid(b)                            (f32)
    softplus(x) = log(1 + exp(x)), or x when x > 20   (torch: beta 1, threshold 20)
    ```

    Everything is computed in f32 (HF: `-A_log.float().exp() *
    softplus(a.float() + dt_bias)`; HF takes the sigmoid in b's dtype and
    the delta rule upcasts it, which differs only by bf16 rounding).
    `A_log` and `dt_bias` may have any float type (checkpoints may store
    them in f32 while the model runs in bf16).

    Example:
    ```mlir
    %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias
        : tensor<?x?x32xbf16>, tensor<32xf32>, tensor<32xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$a, Zen_FloatTensor:$b,
                       Zen_FloatTensor:$A_log, Zen_FloatTensor:$dt_bias);
  let results = (outs Zen_F32Tensor:$g, Zen_F32Tensor:$beta);
  let assemblyFormat = [{
    $a `,` $b `,` $A_log `,` $dt_bias attr-dict `:`
    type($a) `,` type($A_log) `,` type($dt_bias)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// zen.gated_delta_rule
//===----------------------------------------------------------------------===//

def Zen_GatedDeltaRuleOp : Zen_Op<"gated_delta_rule", [Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "Gated delta rule linear attention (Qwen3-Next Gated DeltaNet)";
  let description = [{
    The recurrence at the heart of Gated DeltaNet. Per batch b and value head
    h, with state S ∈ R^{dk×dv} (f32) and key head kh = h // (Hv / Hk)
    (HF `repeat_interleave`, the same mapping as GQA):

    ```
    q, k: [B, T, Hk, dk]   v: [B, T, Hv, dv]   g, beta: [B, T, Hv] (f32)
    initial_state: [B, Hv, dk, dv] (f32; zeros when absent)
    out: [B, T, Hv, dv] (v's element type)   final_state: [B, Hv, dk, dv] (f32)
    ```

    Preprocessing, all in f32 (q_t = q[b,t,kh,:], k_t = k[b,t,kh,:],
    v_t = v[b,t,h,:], g_t = g[b,t,h], β_t = beta[b,t,h]):

    ```
    with use_qk_l2norm:  q_t ← q_t · rsqrt(Σ q_t² + 1e-6),  k_t ← k_t · rsqrt(Σ k_t² + 1e-6)
    q_t ← scale · q_t          scale = dk^-0.5 unless given
    ```

    `use_qk_l2norm` is the in-kernel L2 norm Qwen3-Next uses (eps inside the
    rsqrt, not F.normalize); g is a log-decay (<= 0, from `zen.gdn_gates`).

    **recurrent** mode (HF `torch_recurrent_gated_delta_rule`, decode), for
    t = 0 .. T-1 starting from S = initial_state:

    ```
    S ← exp(g_t) · S
    u = Sᵀ k_t;   δ = β_t (v_t − u);   S ← S + k_t δᵀ
    o_t = Sᵀ q_t
    ```

    i.e. S_t = exp(g_t) (I − β_t k_t k_tᵀ) S_{t−1} + β_t k_t v_tᵀ.

    **chunked** mode (HF `torch_chunk_gated_delta_rule`, prefill): zero-pad T
    to a multiple of C = `chunk_size` (padded rows have q = k = v = β = 0 and
    g = 0, so they change nothing) and walk the chunks in order. Within a
    chunk, rows r, s ∈ [0, C):

    ```
    γ_r   = Σ_{s<=r} g_s                                (cumulative within the chunk)
    D_rs  = exp(γ_r − γ_s) for s <= r, else 0
    L_rs  = β_r (k_r · k_s) D_rs for s < r, else 0      (strictly lower)
    Tm    = (I + L)^-1                                  (HF: row-wise forward substitution)
    U     = Tm (β ⊙ V);   W = Tm (β ⊙ exp(γ) ⊙ K)
    with the incoming state S:
    V'    = U − W S
    P_rs  = (q_r · k_s) D_rs for s <= r, else 0         (diagonal included)
    O     = (exp(γ) ⊙ Q) S + P V'
    S     ← exp(γ_{C−1}) S + (exp(γ_{C−1} − γ) ⊙ K)ᵀ V'
    ```

    then crop the padding. Both modes compute the same function (up to
    rounding); `mode` only picks the evaluation order, and lowerings may
    pick either. `final_state` is S after the last token (the decode
    cache's `recurrent_state`); `out` is o cast to v's element type.

    Example:
    ```mlir
    // Qwen3-Next: Hk = 16, Hv = 32, dk = dv = 128.
    %o, %s = zen.gated_delta_rule %q, %k, %v, %g, %beta {use_qk_l2norm}
        : tensor<?x?x16x128xbf16>, tensor<?x?x16x128xbf16>, tensor<?x?x32x128xbf16>,
          tensor<?x?x32xf32>, tensor<?x?x32xf32>
    %o1, %s1 = zen.gated_delta_rule %q1, %k1, %v1, %g1, %beta1 initial_state(%s)
        {mode = #zen.delta_rule_mode<recurrent>, use_qk_l2norm}
        : tensor<1x1x16x128xbf16>, tensor<1x1x16x128xbf16>, tensor<1x1x32x128xbf16>,
          tensor<1x1x32xf32>, tensor<1x1x32xf32>, tensor<1x32x128x128xf32>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$q, Zen_FloatTensor:$k,
                       Zen_FloatTensor:$v, Zen_F32Tensor:$g,
                       Zen_F32Tensor:$beta,
                       Optional<Zen_F32Tensor>:$initial_state,
                       DefaultValuedAttr<Zen_DeltaRuleModeAttr,
                           "::mlir::zen::DeltaRuleMode::chunked">:$mode,
                       DefaultValuedAttr<I64Attr, "64">:$chunk_size,
                       OptionalAttr<F64Attr>:$scale,
                       UnitAttr:$use_qk_l2norm);
  let results = (outs Zen_FloatTensor:$out, Zen_F32Tensor:$final_state);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $g `,` $beta
    (`initial_state` `(` $initial_state^ `)`)? attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($g) `,` type($beta)
    (`,` type($initial_state)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The query scale: the `scale` attribute, else dk^-0.5; none when
    /// neither is known at compile time (dynamic dk).
    std::optional<double> getScaleValue();
  }];
}

//===----------------------------------------------------------------------===//
// zen.gated_rms_norm
//===----------------------------------------------------------------------===//

def Zen_GatedRMSNormOp : Zen_Op<"gated_rms_norm", [Pure,
    AllTypesMatch<["input", "gate", "result"]>]> {
  let summary = "RMSNorm followed by a SiLU gate (Qwen3NextRMSNormGated)";
  let description = [{
    Gated DeltaNet's output norm, one row per (token, value head) over the
    last dimension D:

    ```
    y = x * rsqrt(mean(x^2, -1) + eps)        (computed in f32)
    out = (w * y) * silu(z)                    w: [D], plain weight (not 1 + w)
    ```

    The norm comes first, then the gate. `gate` (z) has the shape and type
    of `input`; in Qwen3-Next both are [B, T, 32, 128] and `weight` is
    `linear_attn.norm.weight` [128].

    Example:
    ```mlir
    %y = zen.gated_rms_norm %o, %z, %w : tensor<?x?x32x128xbf16>, tensor<128xbf16>
    ```
  }];
  let arguments = (ins Zen_FloatTensor:$input, Zen_FloatTensor:$gate,
                       Zen_FloatTensor:$weight,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$eps);
  let results = (outs Zen_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $gate `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

#endif // ZEN_ATTENTION_OPS_TD
