//===- Differentiate.cpp - zen-differentiate ------------------------------===//

#include "zen/Transforms/Passes.h"
#include "zen/Transforms/ReverseMode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENDIFFERENTIATE
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {
struct DifferentiatePass
    : zen::impl::ZenDifferentiateBase<DifferentiatePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> marked;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr("zen.differentiate"))
        marked.push_back(fn);
    ReverseModeBuilder reverse(module);
    for (func::FuncOp fn : marked) {
      SmallVector<bool> needs;
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
        needs.push_back(isDifferentiableType(fn.getArgumentTypes()[i]) &&
                        !fn.getArgAttr(i, "zen.no_grad"));
      FailureOr<func::FuncOp> vjp = reverse.getOrBuild(
          fn, needs, /*returnPrimals=*/false, (fn.getSymName() + "_vjp").str());
      if (failed(vjp))
        return signalPassFailure();
      vjp->setPublic();
      fn->removeAttr("zen.differentiate");
    }
  }
};
} // namespace
