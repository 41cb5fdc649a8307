//===- DeltaRule.cpp - zen.gated_delta_rule -> linalg/scf -----------------===//

#include "LinalgBuilders.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

void mlir::zen::populateZenDeltaRuleToLinalgPatterns(
    RewritePatternSet &patterns) {}
