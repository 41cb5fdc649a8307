//===- Autodiff.h - DifferentiableOpInterface models ------------*- C++ -*-===//
//
// The vector-Jacobian products of the Zen ops live in external models of
// DifferentiableOpInterface (one file per op family under
// lib/Dialect/Zen/Autodiff), attached to a registry like upstream's
// bufferization models, so the op definitions stay free of backward logic.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_DIALECT_ZEN_AUTODIFF_H
#define ZEN_DIALECT_ZEN_AUTODIFF_H

namespace mlir {
class DialectRegistry;
namespace zen {

/// embedding, rms_norm, linear (+LoRA), rope, swiglu, mlp, lm_head, l2_norm,
/// mask_padding, attention.
void registerModelOpsVJPModels(DialectRegistry &registry);
/// causal_conv1d, gdn_gates, gated_delta_rule, gated_rms_norm.
void registerDeltaNetOpsVJPModels(DialectRegistry &registry);
/// moe_router, moe.
void registerMoEOpsVJPModels(DialectRegistry &registry);
/// token_logprobs, gspo_loss, grpo_loss.
void registerTrainOpsVJPModels(DialectRegistry &registry);

/// All of the above.
void registerAutodiffInterfaceModels(DialectRegistry &registry);

} // namespace zen
} // namespace mlir

#endif // ZEN_DIALECT_ZEN_AUTODIFF_H
