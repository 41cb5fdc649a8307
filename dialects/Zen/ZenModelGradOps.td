//===- ZenModelGradOps.td - backward ops of the model blocks ---*- tablegen -*-===//
//
// Dedicated backward (vector-Jacobian) ops of the dense model blocks and of
// attention, built by their DifferentiableOpInterface models
// (lib/Dialect/Zen/Autodiff/ModelOpsVJP.cpp) and lowered like forward ops.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_MODEL_GRAD_OPS_TD
#define ZEN_MODEL_GRAD_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

#endif // ZEN_MODEL_GRAD_OPS_TD
