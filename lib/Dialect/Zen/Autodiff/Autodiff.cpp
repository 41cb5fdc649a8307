//===- Autodiff.cpp - attach every Zen VJP model --------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"

void mlir::zen::registerAutodiffInterfaceModels(DialectRegistry &registry) {
  registerModelOpsVJPModels(registry);
  registerDeltaNetOpsVJPModels(registry);
  registerMoEOpsVJPModels(registry);
  registerTrainOpsVJPModels(registry);
}
