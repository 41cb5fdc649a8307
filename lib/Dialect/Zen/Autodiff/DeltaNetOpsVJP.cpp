//===- DeltaNetOpsVJP.cpp - vector-Jacobian products of the Gated-DeltaNet ops ===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::zen;

void mlir::zen::registerDeltaNetOpsVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, ZenDialect *) {
    (void)ctx;
  });
}
