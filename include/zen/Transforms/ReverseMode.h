//===- ReverseMode.h - reverse-mode autodiff of Zen functions ---*- C++ -*-===//
//
// Builds the vector-Jacobian product of a func.func at the Zen level. Ops
// contribute their VJPs through DifferentiableOpInterface; the handful of
// upstream ops the Zen frontend emits between Zen ops (residual adds,
// reshapes, slices, concats) and func.call are handled here. Calls are
// differentiated by building the callee's VJP function (memoised per
// activity pattern), which recomputes the callee's forward: the caller keeps
// only call boundaries (layer inputs) alive, i.e. gradient checkpointing at
// layer granularity, and N identical layers share one backward function.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_TRANSFORMS_REVERSEMODE_H
#define ZEN_TRANSFORMS_REVERSEMODE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <string>

namespace mlir::zen {

/// True for the values autodiff propagates cotangents through: ranked
/// tensors of a floating-point element type.
bool isDifferentiableType(Type type);

class ReverseModeBuilder {
public:
  explicit ReverseModeBuilder(ModuleOp module) : module(module) {}

  /// Returns a function `vjpName(fn args..., one cotangent per
  /// differentiable result of fn) -> ([fn results...,] one cotangent per
  /// argument i with argNeedsGrad[i])`. With `returnPrimals`, the function
  /// also returns fn's own results (it computes them anyway). The new
  /// function is inserted after `fn`, private; repeated requests for the
  /// same (fn, argNeedsGrad, returnPrimals) return the same function.
  /// Errors are emitted at the op that cannot be differentiated.
  FailureOr<func::FuncOp> getOrBuild(func::FuncOp fn,
                                     ArrayRef<bool> argNeedsGrad,
                                     bool returnPrimals,
                                     StringRef vjpName = {});

private:
  ModuleOp module;
  std::map<std::string, func::FuncOp> built;
};

} // namespace mlir::zen

#endif // ZEN_TRANSFORMS_REVERSEMODE_H
