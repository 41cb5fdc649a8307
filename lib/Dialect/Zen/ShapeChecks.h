//===- ShapeChecks.h - shape checks shared by Zen verifiers -----*- C++ -*-===//
//
// Every Zen verifier reports a bad shape the same way: it names the operand,
// the dimension, what was expected and what was found, e.g.
//
//   'zen.linear' op weight dim 1 (in_features) must match input dim 2
//   (hidden): expected 1024, found 512
//
// Dynamic dimensions ('?') always match; the runtime checks them again.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_LIB_DIALECT_ZEN_SHAPECHECKS_H
#define ZEN_LIB_DIALECT_ZEN_SHAPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace mlir::zen::shape {

/// An operand (or result) as verifiers talk about it: its name in the op's
/// ODS definition and its ranked tensor type.
struct Named {
  StringRef name;
  RankedTensorType type;
  int64_t rank() const { return type.getRank(); }
  /// Dimension `dim`, counted from the front; negative counts from the back.
  int64_t dim(int64_t dim) const;
};

inline Named named(StringRef name, Value value) {
  return {name, cast<RankedTensorType>(value.getType())};
}

/// `t` has exactly `rank` dimensions; `layout` documents them ("[out, in]").
LogicalResult expectRank(Operation *op, const Named &t, int64_t rank,
                         StringRef layout);
/// `t` has at least `rank` dimensions.
LogicalResult expectMinRank(Operation *op, const Named &t, int64_t rank,
                            StringRef layout);
/// Dimension `aDim` of `a` equals dimension `bDim` of `b` (negative dims count
/// from the back); `aLabel`/`bLabel` say what the dimensions mean.
LogicalResult expectDimsMatch(Operation *op, const Named &a, int64_t aDim,
                              StringRef aLabel, const Named &b, int64_t bDim,
                              StringRef bLabel);
/// Dimension `dim` of `t` equals `expected` (when static).
LogicalResult expectDimEquals(Operation *op, const Named &t, int64_t dim,
                              StringRef label, int64_t expected);
/// Dimension `dim` of `t` divides evenly by `divisor` (when static).
LogicalResult expectDimDivisibleBy(Operation *op, const Named &t, int64_t dim,
                                   StringRef label, int64_t divisor,
                                   StringRef divisorLabel);
/// `a` and `b` have the same element type.
LogicalResult expectSameElementType(Operation *op, const Named &a,
                                    const Named &b);
/// `a` and `b` have the same shape (dynamic dims match anything).
LogicalResult expectSameShape(Operation *op, const Named &a, const Named &b);

/// The operands of a normalisation over the last dim: `input` [..., D] and
/// `weight` [D] of the same element type, and eps > 0 (RMSNorm variants).
LogicalResult verifyLastDimNorm(Operation *op, Value input, Value weight,
                                FloatAttr eps);

/// `a` with its dimension `dim` (negative: from the back) replaced by `size`.
RankedTensorType withDim(RankedTensorType a, int64_t dim, int64_t size);

} // namespace mlir::zen::shape

#endif // ZEN_LIB_DIALECT_ZEN_SHAPECHECKS_H
