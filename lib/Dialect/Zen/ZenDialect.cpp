//===- ZenDialect.cpp - Zen dialect registration --------------------------===//

#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::zen;

#include "zen/Dialect/Zen/ZenDialect.cpp.inc"
#include "zen/Dialect/Zen/ZenEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "zen/Dialect/Zen/ZenAttrs.cpp.inc"

void ZenDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "zen/Dialect/Zen/ZenAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "zen/Dialect/Zen/ZenOps.cpp.inc"
      >();
}
