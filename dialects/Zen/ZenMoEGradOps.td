//===- ZenMoEGradOps.td - backward ops of the MoE block ---*- tablegen -*-===//
//
// Dedicated backward ops of the sparse mixture-of-experts block and its
// router, built by lib/Dialect/Zen/Autodiff/MoEOpsVJP.cpp and lowered like
// forward ops.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_MOE_GRAD_OPS_TD
#define ZEN_MOE_GRAD_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

#endif // ZEN_MOE_GRAD_OPS_TD
