//===- ZenModelGradOps.cpp - verifiers of the Model backward ops ----------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;
