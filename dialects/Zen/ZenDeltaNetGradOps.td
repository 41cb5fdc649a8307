//===- ZenDeltaNetGradOps.td - backward ops of Gated DeltaNet ---*- tablegen -*-===//
//
// Dedicated backward ops of the Gated-DeltaNet mixer (causal conv1d, gates,
// the chunked gated delta rule, gated RMSNorm), built by
// lib/Dialect/Zen/Autodiff/DeltaNetOpsVJP.cpp and lowered like forward ops.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_DELTANET_GRAD_OPS_TD
#define ZEN_DELTANET_GRAD_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

#endif // ZEN_DELTANET_GRAD_OPS_TD
