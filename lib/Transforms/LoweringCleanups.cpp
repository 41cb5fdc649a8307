//===- LoweringCleanups.cpp - zen-copies-to-linalg, zen-emit-c-interface --===//
//
// Two small steps the CPU and the CUDA pipelines share after bufferization.
//
//===----------------------------------------------------------------------===//

#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENCOPIESTOLINALG
#define GEN_PASS_DEF_ZENEMITCINTERFACE
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

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
