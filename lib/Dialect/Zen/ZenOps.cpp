//===- ZenOps.cpp - generated Zen op definitions --------------------------===//
//
// Only the ODS-generated code lives here; each op family's verifiers, shape
// inference and canonicalizers are in Zen<Family>Ops.cpp.
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::zen;

#include "zen/Dialect/Zen/ZenInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "zen/Dialect/Zen/ZenOps.cpp.inc"
