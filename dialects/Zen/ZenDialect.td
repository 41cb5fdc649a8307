//===- ZenDialect.td - Zen dialect definition -------------*- tablegen -*-===//

#ifndef ZEN_DIALECT_TD
#define ZEN_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Zen_Dialect : Dialect {
  let name = "zen";
  let cppNamespace = "::mlir::zen";
  let summary = "Building blocks of the Qwen3 model family and their GSPO/GRPO training step";
  let description = [{
    The Zen dialect has one op per architectural building block of the Zen
    models (Qwen3 dense, Qwen3-MoE, Qwen3-Omni's thinker and the hybrid
    Qwen3-Next): embeddings, RMSNorm variants, linear projections with optional
    LoRA adapters, RoPE, grouped-query attention, the Gated-DeltaNet pieces,
    SwiGLU MLPs, mixture-of-experts blocks, and the ops of a GSPO/GRPO training
    step. Ops have value semantics on builtin tensors, so a spec.mlir reads like
    the model card; lowering to linalg happens in `convert-zen-to-linalg`.

    Weights are function arguments carrying a `zen.param` attribute with their
    HuggingFace tensor name, which the runtime uses to bind checkpoints.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let extraClassDeclaration = [{
    /// Name of the function-argument attribute that carries a weight's HF
    /// tensor name ("model.layers.3.mlp.gate_proj.weight").
    static constexpr ::llvm::StringLiteral getParamAttrName() { return "zen.param"; }
  }];
}

class Zen_Op<string mnemonic, list<Trait> traits = []>
    : Op<Zen_Dialect, mnemonic, traits>;

// Zen tensors are always ranked; dimensions may be dynamic ('?').
// Float tensors: Zen computes in f32 or bf16 (f16 weights are converted on load).
def Zen_FloatTensor : RankedTensorOf<[F32, BF16, F16]>;
// Token ids, targets and expert indices.
def Zen_IndexTensor : RankedTensorOf<[I64, I32]>;
// Padding / completion masks: 1 keeps a position, 0 drops it.
def Zen_MaskTensor : RankedTensorOf<[I1, I64, I32, F32]>;
// Losses, advantages, optimizer state: always f32.
def Zen_F32Tensor : RankedTensorOf<[F32]>;

#endif // ZEN_DIALECT_TD
