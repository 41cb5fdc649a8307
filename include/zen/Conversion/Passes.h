//===- Passes.h - Zen conversions -------------------------------*- C++ -*-===//

#ifndef ZEN_CONVERSION_PASSES_H
#define ZEN_CONVERSION_PASSES_H

#include "zen/Conversion/ZenToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::zen {

#define GEN_PASS_DECL
#include "zen/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "zen/Conversion/Passes.h.inc"

} // namespace mlir::zen

#endif // ZEN_CONVERSION_PASSES_H
