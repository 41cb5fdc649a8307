//===- DeltaNetGradOps.cpp - Zen backward ops of Gated DeltaNet -> linalg ===//

#include "LinalgBuilders.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::zen;

void mlir::zen::populateZenDeltaNetGradOpsToLinalgPatterns(RewritePatternSet &patterns) {
  (void)patterns;
}
