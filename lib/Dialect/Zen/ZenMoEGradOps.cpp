//===- ZenMoEGradOps.cpp - verifiers of the MoE backward ops ----------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;
