//===- ZenOps.h - Zen op declarations ---------------------------*- C++ -*-===//

#ifndef ZEN_DIALECT_ZEN_ZENOPS_H
#define ZEN_DIALECT_ZEN_ZENOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "zen/Dialect/Zen/ZenDialect.h"

#include "zen/Dialect/Zen/ZenInterfaces.h.inc"

#define GET_OP_CLASSES
#include "zen/Dialect/Zen/ZenOps.h.inc"

#endif // ZEN_DIALECT_ZEN_ZENOPS_H
