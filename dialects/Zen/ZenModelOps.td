//===- ZenModelOps.td - Zen dense-model building blocks ---*- tablegen -*-===//
//
// Ops shared by every Zen model: embeddings, RMSNorm variants, linear
// projections (with optional LoRA), RoPE, the SwiGLU MLP and the LM head.
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

#endif // ZEN_MODEL_OPS_TD
