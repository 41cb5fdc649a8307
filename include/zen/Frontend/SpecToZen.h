//===- SpecToZen.h - ModelSpec -> Zen IR ------------------------*- C++ -*-===//
//
// Builds the forward pass of a validated ModelSpec as Zen IR:
//
//   func.func @forward(%input_ids: tensor<?x?xi64>, %positions: tensor<?x?xi64>,
//                      %attention_mask: tensor<?x?xi64>,
//                      <every weight, with zen.param = "<HF tensor name>">)
//       -> tensor<?x?xVxT>                      (logits at every position)
//
// Each decoder layer is a call to a private function per layer *kind* (mixer x
// FFN), e.g. @layer_linear_attention_moe, so a 48-layer model holds one body
// per kind and the layer pattern reads off the call sequence. Qwen3-Next's
// multi-token-prediction layer, when the spec has one, is a second entry point
// @forward_mtp. Weights are f32 or bf16 per the spec's target dtype; stacked
// expert weights carry "{e}" in their name (the runtime stacks
// mlp.experts.{e}.gate_proj.weight over e).
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_FRONTEND_SPECTOZEN_H
#define ZEN_FRONTEND_SPECTOZEN_H

#include "zen/Frontend/ModelSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::zen {

/// Builds the forward module of `spec` (which must have passed validateSpec).
/// The result verifies; the caller may still run mlir::verify as a check.
OwningOpRef<ModuleOp> buildForwardModule(MLIRContext &context,
                                         const ModelSpec &spec);

} // namespace mlir::zen

#endif // ZEN_FRONTEND_SPECTOZEN_H
