//===- ZenTrainOps.td ----------------------------------------*- tablegen -*-===//

#ifndef ZEN_TRAIN_OPS_TD
#define ZEN_TRAIN_OPS_TD

include "Zen/ZenDialect.td"
include "Zen/ZenAttrs.td"
include "Zen/ZenInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

#endif
