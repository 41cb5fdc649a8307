//===- LoweringCleanups.cpp - steps shared after bufferization ------------===//
//
// Small steps the CPU and the CUDA pipelines share after bufferization:
// zen-simplify-deallocations, zen-copies-to-linalg, zen-emit-c-interface.
//
//===----------------------------------------------------------------------===//

#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENSIMPLIFYDEALLOCATIONS
#define GEN_PASS_DEF_ZENCOPIESTOLINALG
#define GEN_PASS_DEF_ZENEMITCINTERFACE
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

struct SimplifyDeallocations
    : zen::impl::ZenSimplifyDeallocationsBase<SimplifyDeallocations> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    size_t widest = 0;
    func.walk([&](bufferization::DeallocOp dealloc) {
      widest = std::max(widest, dealloc.getMemrefs().size() +
                                    dealloc.getRetained().size());
    });
    if (widest > maxOperands)
      return;
    OpPassManager pm(func::FuncOp::getOperationName());
    pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
    if (failed(runPipeline(pm, func)))
      signalPassFailure();
  }
};

struct CopiesToLinalg : zen::impl::ZenCopiesToLinalgBase<CopiesToLinalg> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

struct EmitCInterface : zen::impl::ZenEmitCInterfaceBase<EmitCInterface> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(func.getContext()));
  }
};

} // namespace
