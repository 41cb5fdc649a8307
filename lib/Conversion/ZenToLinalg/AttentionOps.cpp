//===- AttentionOps.cpp - Zen Attention ops -> linalg -------------------------------===//

#include "LinalgBuilders.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

void mlir::zen::populateZenAttentionOpsToLinalgPatterns(
    RewritePatternSet &patterns) {}
