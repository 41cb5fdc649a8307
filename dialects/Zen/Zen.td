//===- Zen.td - Zen dialect umbrella ----------------------*- tablegen -*-===//
//
// The umbrella file that mlir-tblgen reads. Each concern lives in its own file:
//   ZenDialect.td     the dialect and the Zen_Op base class
//   ZenAttrs.td       enum attributes shared by several ops
//   ZenInterfaces.td  op interfaces (autodiff)
//   ZenModelOps.td    embedding, norms, linear, RoPE, MLP, LM head
//   ZenAttentionOps.td softmax attention and the Gated-DeltaNet building blocks
//   ZenMoEOps.td      mixture-of-experts
//   ZenTrainOps.td    log-probs, advantages, GSPO/GRPO losses, clipping, AdamW
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_TD
#define ZEN_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "Zen/ZenInterfaces.td"
include "Zen/ZenModelOps.td"
include "Zen/ZenAttentionOps.td"
include "Zen/ZenMoEOps.td"
include "Zen/ZenTrainOps.td"
include "Zen/ZenModelGradOps.td"
include "Zen/ZenDeltaNetGradOps.td"
include "Zen/ZenMoEGradOps.td"

#endif // ZEN_TD
