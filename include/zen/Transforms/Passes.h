//===- Passes.h - Zen-level transforms --------------------------*- C++ -*-===//

#ifndef ZEN_TRANSFORMS_PASSES_H
#define ZEN_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "zen/Dialect/Zen/ZenDialect.h"

namespace mlir::zen {

#define GEN_PASS_DECL
#include "zen/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "zen/Transforms/Passes.h.inc"

} // namespace mlir::zen

#endif // ZEN_TRANSFORMS_PASSES_H
