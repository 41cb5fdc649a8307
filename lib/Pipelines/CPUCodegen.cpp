//===- CPUCodegen.cpp - fast CPU code for the linalg Zen lowers to --------===//
//
// The two halves of the CPU code generation stage; CPUCodegen.h documents
// what each step does and why it sits where it does.
//
//===----------------------------------------------------------------------===//

#include "zen/Pipelines/CPUCodegen.h"

#include "zen/Pipelines/Pipelines.h"
#include "zen/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::zen;

void mlir::zen::buildCPUCodegenStage(OpPassManager &pm,
                                     const CPUCodegenOptions &options) {
  // 1. Kernel choice and tile plans (contractions rewritten into the dot
  //    and packed-GEMM layouts).
  ZenCPUPlanKernelsOptions plan;
  plan.vectorWidth = options.vectorWidth;
  plan.packedMinRows = options.packedMinRows;
  plan.otherOps = options.vectorizeOtherOps;
  plan.parallel = options.parallel;
  pm.addPass(createZenCPUPlanKernels(plan));
  // 2. The transform schedule: tile, peel, vectorize, hoist, lower contracts.
  pm.addPass(createZenCPUApplySchedule());
  // 3. Fold what tiling and vectorization left (unit loops, slices).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::zen::buildCPUCodegenLoweringStage(OpPassManager &pm) {
  // 4. Free every buffer that does not escape: the weight panels of the
  //    packed GEMM are 4*N*K bytes per call, and without this every
  //    temporary of the pipeline leaked on every call. Returned buffers stay
  //    owned by the caller, as docs/runtime-abi.md says.
  buildDeallocationStage(pm);
  // 5. Bufferizing scf.forall leaves `memref.copy %a, %b` between two
  //    identical subviews; CSE makes them one value and canonicalization
  //    drops the copy (a strided copy would otherwise call memrefCopy, from
  //    the MLIR C runner library).
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // 6. Tasks across the cores (OpenMP) or in order, as the tensor stage
  //    decided.
  pm.addPass(createZenCPULowerParallel());
  // 7. Vector transfers become loads, stores and broadcasts, fully unrolled:
  //    the partially unrolled form puts an alloca in every loop iteration
  //    (the stack overflows on long K loops). Then vector -> LLVM here, since
  //    the later stage has no vector conversion; reads pad with ub.poison.
  VectorTransferToSCFOptions transfers;
  transfers.enableFullUnroll();
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(transfers));
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMaskPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
}
