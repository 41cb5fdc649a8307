//===- CUDAPipeline.h - Zen IR -> host LLVM + embedded cubin -----*- C++ -*-===//
//
// zen-cuda-pipeline: the same Zen -> linalg stage as the CPU pipeline, then
//
//   1. one-shot bufferization (identity layouts at function boundaries),
//      cache results dropped, the upstream buffer-deallocation pipeline;
//      memref.copy -> linalg.copy.
//   2. zen-cuda-gemm-to-mma: every contraction y[..., n] += x[..., k] w[n, k]
//      with bf16/f16 operands and an f32 accumulator (zen.linear, the MLP,
//      the MoE experts, the LM head), and the batched ones (attention
//      scores q.k^T, batched over (b, head) with the GQA head j / n_rep)
//      becomes a gpu.launch of 128-thread blocks (2x2 warps, 32x64 output
//      tile, batches on grid z); each warp computes 16x32 with
//      four nvvm.mma.sync m16n8k16 per K step of 16, f32 accumulators in
//      registers, fragments loaded in the PTX register layout from global
//      memory (bounds: clamped loads + selects, guarded stores). NVVM
//      directly: MLIR 22's nvgpu.mma.sync lowering cannot type bf16.
//   3. every other linalg op -> scf.parallel loops (reductions become
//      sequential scf.for inside); zen-cuda-map-loops turns each outermost
//      scf.parallel of the host code into a gpu.launch of 256-thread blocks
//      over the linearised iteration space (one point per thread; dynamic
//      batch/sequence sizes give the grid size at run time).
//   4. zen-cuda-host-memory: host buffers are managed memory
//      (`gpu.alloc host_shared`, cuMemAllocManaged), so the scalar host code
//      bufferization leaves (cache positions, loop bounds) and the caller can
//      read them; frees are `gpu.dealloc`; constant globals used by kernels
//      are cloned into them (outlining then copies the globals).
//   5. gpu-kernel-outlining, lower-affine, bf16 arithmetic in f32 (as on the
//      CPU), `#nvvm.target<chip = ...>` attached, the device
//      modules through convert-gpu-to-nvvm, the host through gpu-to-llvm
//      (launches become the mgpu* calls libzenrt implements), then
//      gpu-module-to-binary with ptxas from the CUDA toolkit: the cubin is a
//      constant of the host module.
//   6. the target (`"target": "cuda"`, `"cuda_arch"`) is added to the ABI
//      metadata and zen-emit-runtime-abi emits zen_entry_* and
//      zen_model_metadata as on the CPU.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_PIPELINES_CUDAPIPELINE_H
#define ZEN_PIPELINES_CUDAPIPELINE_H

#include "mlir/Pass/PassOptions.h"

#include <memory>
#include <string>

namespace mlir {
class OpPassManager;
class Pass;
namespace zen {

/// Where the CUDA toolkit (bin/ptxas, nvvm/libdevice) lives unless the
/// `toolkit` option says otherwise: $CUDA_HOME, else /usr/local/cuda.
std::string defaultCUDAToolkitPath();

/// Options of zen-cuda-pipeline.
struct CUDAPipelineOptions : public PassPipelineOptions<CUDAPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("GPU architecture: sm_80 (A100) or sm_90a (H100)"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit directory (ptxas, libdevice); default "
                     "$CUDA_HOME or /usr/local/cuda"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu-module-to-binary embeds: bin (cubin, default), "
                     "isa (PTX text), fatbin, llvm, offloading"),
      llvm::cl::init("bin")};
  PassOptions::Option<bool> serialize{
      *this, "serialize",
      llvm::cl::desc("Run gpu-module-to-binary (off: stop with the NVVM "
                     "gpu.module, for tests without a toolkit)"),
      llvm::cl::init(true)};
};

/// zen-cuda-pipeline (see the file comment).
void buildCUDAPipeline(OpPassManager &pm, const CUDAPipelineOptions &options);

/// The stage after buildZenToLinalgStage: bufferization through the NVVM
/// device modules and the LLVM host module (everything but serialization).
void buildCUDACodegenStage(OpPassManager &pm,
                           const CUDAPipelineOptions &options);

/// Registers zen-cuda-pipeline and the CUDA passes below.
void registerCUDAPipeline();

/// The passes of the stage (CUDAKernels.cpp).
std::unique_ptr<Pass> createZenCUDAGemmToMMA();
std::unique_ptr<Pass> createZenCUDAMapLoops();
std::unique_ptr<Pass> createZenCUDAHostMemory();
std::unique_ptr<Pass> createZenCUDAMarkTarget(std::string chip);
std::unique_ptr<Pass> createZenCUDARegisterTranslations();

} // namespace zen
} // namespace mlir

#endif // ZEN_PIPELINES_CUDAPIPELINE_H
