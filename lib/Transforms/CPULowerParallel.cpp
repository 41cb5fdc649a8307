//===- CPULowerParallel.cpp - zen-cpu-lower-parallel ----------------------===//

#include "zen/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENCPULOWERPARALLEL
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

struct ZenCPULowerParallelPass
    : zen::impl::ZenCPULowerParallelBase<ZenCPULowerParallelPass> {
  /// convert-scf-to-openmp wraps each loop body in memref.alloca_scope, whose
  /// region must stay a single block; the later scf-to-cf breaks that. The
  /// tiles allocate nothing on the stack (vector transfers are unrolled), so
  /// the scopes are dropped.
  void inlineAllocaScopes() {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp scope) {
      bool allocates = false;
      scope.walk([&](memref::AllocaOp) { allocates = true; });
      if (!allocates)
        scopes.push_back(scope);
    });
    for (memref::AllocaScopeOp scope : scopes) {
      Block &body = scope.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      SmallVector<Value> results(ret.getResults());
      ret.erase();
      scope->getBlock()->getOperations().splice(Block::iterator(scope),
                                                body.getOperations());
      scope->replaceAllUsesWith(results);
      scope.erase();
    }
  }

  /// Gives the omp ops LLVM-typed operands and block arguments (the loop
  /// bounds are `index` so far), leaving every other op to the later
  /// conversions: upstream's convert-openmp-to-llvm also converts func, arith
  /// and memref ops, too early for the rest of the pipeline (the C
  /// interfaces of public functions are added later).
  LogicalResult typeOpenMPForLLVM() {
    MLIRContext *ctx = &getContext();
    LLVMTypeConverter converter(ctx);
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    configureOpenMPToLLVMConversionLegality(target, converter);
    RewritePatternSet patterns(ctx);
    populateOpenMPToLLVMConversionPatterns(converter, patterns);
    return applyPartialConversion(getOperation(), target, std::move(patterns));
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // A nested pipeline of upstream passes; which one depends on the mark
    // the tensor stage left.
    OpPassManager pm(ModuleOp::getOperationName());
    if (module->hasAttr("zen.cpu_parallel")) {
      pm.addPass(createForallToParallelLoopPass());
      pm.addPass(createConvertSCFToOpenMPPass());
    } else {
      pm.addPass(createForallToForLoopPass());
    }
    if (failed(runPipeline(pm, module)))
      return signalPassFailure();
    if (module->hasAttr("zen.cpu_parallel")) {
      inlineAllocaScopes();
      if (failed(typeOpenMPForLLVM()))
        return signalPassFailure();
    }
    module->removeAttr("zen.cpu_parallel");
  }
};

} // namespace
