//===- CUDAPipeline.cpp - zen-cuda-pipeline --------------------------------===//
//
// The stage list of zen-cuda-pipeline; CUDAPipeline.h says what each stage
// does and why. The passes of the stage live in CUDAKernels.cpp.
//
//===----------------------------------------------------------------------===//

#include "zen/Pipelines/CUDAPipeline.h"
#include "zen/Pipelines/Pipelines.h"

#include "zen/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Process.h"

using namespace mlir;
using namespace mlir::zen;

std::string mlir::zen::defaultCUDAToolkitPath() {
  if (std::optional<std::string> home =
          llvm::sys::Process::GetEnv("CUDA_HOME"))
    return *home;
  return "/usr/local/cuda";
}

void mlir::zen::buildCUDACodegenStage(OpPassManager &pm,
                                      const CUDAPipelineOptions &options) {
  // 1. Bufferize as on the CPU; caches are updated in place.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createZenDropCacheResults());
  buildDeallocationStage(pm);
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createZenCopiesToLinalg());
  // 2. Tensor-core GEMMs.
  pm.addPass(createZenCUDAGemmToMMA());
  // 3. Everything else: one thread per point of the parallel loops.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createZenCUDAMapLoops());
  // 4. Managed host buffers, kernel-visible constants.
  pm.addPass(createZenCUDAHostMemory());
  pm.addPass(createZenEmitCInterface());
  // 5. Outline the kernels; lower device and host.
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createSCFToControlFlowPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  // PTX 8.0 (CUDA 12.0) is the first with sm_90a.
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  ConvertGpuOpsToNVVMOpsOptions device;
  device.indexBitwidth = 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(device));
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  // Host: everything (memref, arith, math, cf, func, gpu launches) -> LLVM.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::zen::buildCUDAPipeline(OpPassManager &pm,
                                  const CUDAPipelineOptions &options) {
  buildZenToLinalgStage(pm);
  buildCUDACodegenStage(pm, options);
  // 5 (end). ptxas: the cubin becomes a constant of the host module.
  pm.addPass(createZenCUDARegisterTranslations());
  if (options.serialize) {
    GpuModuleToBinaryPassOptions binary;
    binary.toolkitPath = options.toolkit.empty() ? defaultCUDAToolkitPath()
                                                 : std::string(options.toolkit);
    binary.compilationTarget = options.format;
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
  // 6. ABI metadata with the target, entry wrappers.
  pm.addPass(createZenCUDAMarkTarget(options.chip));
  pm.addPass(createZenEmitRuntimeABI());
}

void mlir::zen::registerCUDAPipeline() {
  PassPipelineRegistration<CUDAPipelineOptions>(
      "zen-cuda-pipeline",
      "Lower Zen IR to host LLVM dialect with embedded CUDA kernels (see "
      "CUDAPipeline.h)",
      buildCUDAPipeline);
  registerPass([] { return createZenCUDAGemmToMMA(); });
  registerPass([] { return createZenCUDAMapLoops(); });
  registerPass([] { return createZenCUDAHostMemory(); });
}
