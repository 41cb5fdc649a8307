//===- VerifyParams.cpp - zen-verify-params -------------------------------===//

#include "zen/Dialect/Zen/ZenOps.h"
#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENVERIFYPARAMS
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

/// Checks the `zen.param` attributes of one function's arguments.
LogicalResult verifyParams(FunctionOpInterface func) {
  llvm::StringMap<unsigned> seen;
  bool ok = true;
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    Attribute attr = func.getArgAttr(i, ZenDialect::getParamAttrName());
    if (!attr)
      continue;
    Location loc = func.getArgument(i).getLoc();
    auto name = dyn_cast<StringAttr>(attr);
    if (!name || name.getValue().empty()) {
      emitError(loc) << "argument #" << i << " of @" << func.getName()
                     << ": zen.param must be a non-empty string, found "
                     << attr;
      ok = false;
      continue;
    }
    auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    if (!type || !type.hasStaticShape()) {
      emitError(loc) << "argument #" << i << " of @" << func.getName()
                     << " (" << name << "): weights need a static shape, found "
                     << func.getArgument(i).getType();
      ok = false;
    }
    auto [it, inserted] = seen.try_emplace(name.getValue(), i);
    if (!inserted) {
      emitError(loc) << "argument #" << i << " of @" << func.getName()
                     << ": zen.param " << name
                     << " is already bound to argument #" << it->second;
      ok = false;
    }
  }
  return success(ok);
}

struct ZenVerifyParamsPass
    : zen::impl::ZenVerifyParamsBase<ZenVerifyParamsPass> {
  void runOnOperation() override {
    bool ok = true;
    getOperation().walk([&](FunctionOpInterface func) {
      ok &= succeeded(verifyParams(func));
    });
    if (!ok)
      signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
