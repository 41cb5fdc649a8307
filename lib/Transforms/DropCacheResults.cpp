//===- DropCacheResults.cpp - zen-drop-cache-results ----------------------===//

#include "zen/Transforms/EntryPointAttrs.h"
#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/BitVector.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENDROPCACHERESULTS
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

/// Drops the in-place state results of `func` (caches, trainables, optimizer
/// moments); fails if one is not in place.
LogicalResult dropCacheResults(func::FuncOp func) {
  if (func.isExternal())
    return success();
  auto ret = cast<func::ReturnOp>(func.front().getTerminator());
  llvm::BitVector drop(func.getNumResults());
  for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
    auto state = inPlaceStateOf(func.getResultAttrDict(i));
    if (!state)
      continue;
    auto [kind, name] = *state;
    auto arg = dyn_cast<BlockArgument>(ret.getOperand(i));
    if (!arg || arg.getOwner() != &func.front() ||
        func.getArgAttr(arg.getArgNumber(), kind) != name)
      return func.emitError()
             << kind.drop_front(4) << " " << name
             << " is not updated in place: result #" << i
             << " is not the buffer of the argument with the same " << kind;
    drop.set(i);
  }
  if (drop.none())
    return success();
  ret->eraseOperands(drop);
  return func.eraseResults(drop);
}

struct ZenDropCacheResultsPass
    : zen::impl::ZenDropCacheResultsBase<ZenDropCacheResultsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && failed(dropCacheResults(func)))
        return signalPassFailure();
  }
};

} // namespace
