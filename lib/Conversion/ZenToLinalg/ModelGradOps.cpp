//===- ModelGradOps.cpp - Zen backward ops of the model blocks and attention -> linalg ===//

#include "LinalgBuilders.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::zen;

void mlir::zen::populateZenModelGradOpsToLinalgPatterns(RewritePatternSet &patterns) {
  (void)patterns;
}
