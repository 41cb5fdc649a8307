//===- Pipelines.cpp - every Zen pipeline ---------------------------------===//

#include "zen/Pipelines/Pipelines.h"
#include "zen/Pipelines/CPUCodegen.h"
#include "zen/Pipelines/CUDAPipeline.h"

#include "zen/Conversion/Passes.h"
#include "zen/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::zen;

void mlir::zen::buildCPUPipeline(OpPassManager &pm,
                                 const CPUPipelineOptions &options) {
  CPUCodegenOptions codegen;
  codegen.parallel = options.parallel;
  buildZenToLinalgStage(pm);
  buildLinalgToLLVMStage(pm, codegen);
}

void mlir::zen::buildZenToLinalgStage(OpPassManager &pm) {
  // The ABI metadata needs the Zen-level signatures.
  pm.addPass(createZenExportEntryPoints());
  // 1. Zen -> linalg on tensors.
  pm.addPass(createConvertZenToLinalg());
  pm.addPass(createConvertElementwiseToLinalgPass());
  // 2. Clean up the reshapes and fills the lowering produced.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::zen::buildLinalgToLLVMStage(OpPassManager &pm,
                                       const CPUCodegenOptions &codegen) {
  // Kernel plans and schedules, on tensors (CPUCodegen.h).
  buildCPUCodegenStage(pm, codegen);
  // 3. Bufferize the whole module; identity layouts at function boundaries.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Caches are updated in place: results equivalent to an argument's buffer
  // disappear from the signature (the ABI metadata does not list them).
  // Upstream's pass handles the private layer functions and their call
  // sites; zen-drop-cache-results then handles the public entry points.
  // Canonicalization first: a buffer written in place by a tiled loop nest
  // comes back as the loop's result (iter_args forwarded unchanged), which
  // the pass recognises only once folded to the argument itself (the train
  // step's optimizer-update functions).
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createZenDropCacheResults());
  // Deallocation, copy clean-up, parallel tasks and vector lowering
  // (CPUCodegen.h).
  buildCPUCodegenLoweringStage(pm);
  pm.addPass(createZenCopiesToLinalg());
  // 4. Loops, then everything to LLVM.
  pm.addPass(createZenEmitCInterface());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Without rollback bookkeeping: each scf op splits its block, which the
  // rollback-capable driver makes quadratic in the ops of a block (the
  // train step's AdamW updates are thousands of loops in one block).
  SCFToControlFlowPassOptions scfToCF;
  scfToCF.allowPatternRollback = false;
  pm.addPass(createSCFToControlFlowPass(scfToCF));
  // bf16 arithmetic runs in f32 and rounds once per op (exact for products
  // of two bf16s); the bf16 <-> f32 conversions become integer ops (round to
  // nearest even), so the library needs no compiler-rt __truncsfbf2.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  // 5. zen_entry_<name> wrappers and zen_model_metadata.
  pm.addPass(createZenEmitRuntimeABI());
}

void mlir::zen::buildDeallocationStage(OpPassManager &pm) {
  memref::ExpandReallocPassOptions expand;
  expand.emitDeallocs = false;
  pm.addPass(memref::createExpandReallocPass(expand));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createZenSimplifyDeallocations());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::zen::registerZenPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "zen-cpu-pipeline",
      "Lower Zen IR to LLVM dialect for the host CPU (see Pipelines.h)",
      buildCPUPipeline);
  registerCUDAPipeline();
}
