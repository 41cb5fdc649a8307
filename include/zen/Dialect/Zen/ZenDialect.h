//===- ZenDialect.h - Zen dialect declaration -------------------*- C++ -*-===//

#ifndef ZEN_DIALECT_ZEN_ZENDIALECT_H
#define ZEN_DIALECT_ZEN_ZENDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "zen/Dialect/Zen/ZenDialect.h.inc"

#include "zen/Dialect/Zen/ZenEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "zen/Dialect/Zen/ZenAttrs.h.inc"

#endif // ZEN_DIALECT_ZEN_ZENDIALECT_H
