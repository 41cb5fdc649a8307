//===- Pipelines.h - every Zen pipeline, documented in one place -*- C++ -*-===//
//
// Each pipeline is a named stage list registered with zen-opt
// (`zen-opt --zen-cpu-pipeline`) and used by zen-compile.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_PIPELINES_PIPELINES_H
#define ZEN_PIPELINES_PIPELINES_H

#include "zen/Pipelines/CPUCodegen.h"

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace zen {

/// Options of the CPU pipeline.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the kernels' tasks on all cores through OpenMP "
                     "(the library then needs libomp); false: in order"),
      llvm::cl::init(true)};
};

/// zen-cpu-pipeline: Zen IR on tensors -> LLVM dialect for the host CPU,
/// with the runtime ABI of docs/runtime-abi.md: buildZenToLinalgStage, then
/// the CPU codegen stage (kernel plans and transform schedules for the
/// contractions, vectorization; CPUCodegen.h), then buildLinalgToLLVMStage
/// (which runs CPUCodegen's post-bufferization lowering).
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Stage 1 (zen-compile --emit=linalg stops here):
///   zen-export-entry-points (record the ABI metadata while tensor types and
///   zen.param names are still there), convert-zen-to-linalg, elementwise
///   arith on tensors -> linalg, canonicalize + CSE.
void buildZenToLinalgStage(OpPassManager &pm);

/// Stage 2: the CPU code generation stage on tensors (kernel plans and
/// transform schedules, CPUCodegen.h; `codegen` sets its knobs, parallel
/// OpenMP tasks by default); one-shot bufferization across function
/// boundaries (identity layouts, so entry points take plain memref
/// descriptors); linalg -> loops; bf16 arithmetic emulated in f32;
/// scf/cf/math/arith/memref/func -> LLVM; C interfaces on public functions;
/// zen-emit-runtime-abi.
void buildLinalgToLLVMStage(OpPassManager &pm,
                            const CPUCodegenOptions &codegen = {});

/// The deallocation stage after one-shot bufferization (CPU and CUDA):
/// upstream's buildBufferDeallocationPipeline, with its simplification
/// replaced by zen-simplify-deallocations (skips the functions where it is
/// too costly, e.g. a real model's backward pass).
void buildDeallocationStage(OpPassManager &pm);

/// Registers every pipeline above with the global pass registry.
void registerZenPipelines();

} // namespace zen
} // namespace mlir

#endif // ZEN_PIPELINES_PIPELINES_H
