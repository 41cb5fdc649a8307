//===- ZenToLinalg.h - Zen -> linalg patterns -------------------*- C++ -*-===//
//
// The patterns of convert-zen-to-linalg, one populate function per op family,
// so the CPU and CUDA pipelines can combine them.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_CONVERSION_ZENTOLINALG_H
#define ZEN_CONVERSION_ZENTOLINALG_H

namespace mlir {
class RewritePatternSet;
namespace zen {

/// embedding, rms_norm, linear, rope, swiglu, mlp, lm_head, l2_norm,
/// mask_padding.
void populateZenModelOpsToLinalgPatterns(RewritePatternSet &patterns);
/// attention, causal_conv1d, gdn_gates, gated_rms_norm.
void populateZenAttentionOpsToLinalgPatterns(RewritePatternSet &patterns);
/// gated_delta_rule (chunked and recurrent).
void populateZenDeltaRuleToLinalgPatterns(RewritePatternSet &patterns);
/// moe_router, moe.
void populateZenMoEOpsToLinalgPatterns(RewritePatternSet &patterns);

/// token_logprobs, group_advantages, gspo_loss, grpo_loss, clip_grad_norm,
/// adamw and their backward ops.
void populateZenTrainOpsToLinalgPatterns(RewritePatternSet &patterns);
/// Backward ops of the model blocks and attention (ZenModelGradOps.td).
void populateZenModelGradOpsToLinalgPatterns(RewritePatternSet &patterns);
/// Backward ops of Gated DeltaNet (ZenDeltaNetGradOps.td).
void populateZenDeltaNetGradOpsToLinalgPatterns(RewritePatternSet &patterns);
/// Backward ops of the MoE block (ZenMoEGradOps.td).
void populateZenMoEGradOpsToLinalgPatterns(RewritePatternSet &patterns);

/// All of the above.
void populateZenToLinalgPatterns(RewritePatternSet &patterns);

} // namespace zen
} // namespace mlir

#endif // ZEN_CONVERSION_ZENTOLINALG_H
