//===- ZenDeltaNetGradOps.cpp - verifiers of the DeltaNet backward ops ----------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;
