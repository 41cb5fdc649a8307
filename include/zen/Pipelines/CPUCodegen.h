//===- CPUCodegen.h - fast CPU code for the linalg Zen lowers to -*- C++ -*-===//
//
// The CPU code generation stage of zen-cpu-pipeline, split around one-shot
// bufferization:
//
//   buildCPUCodegenStage (tensors, after convert-zen-to-linalg)
//     1. zen-cpu-plan-kernels: every x[..., K] · W[N, K]ᵀ contraction becomes
//        a runtime choice (scf.if on the number of rows M) between
//          - a *dot* kernel for small M (decode): no packing; register tile of
//            dot products vectorized along K, partial sums reduced at the end;
//          - a *packed* GEMM for large M: W packed once per call into
//            [N/nr][K][nr] panels, an mr x nr register tile of outer products
//            (mr x nr/VL accumulators held in registers across K);
//        and every other linalg op gets a tile plan that makes its inner tile
//        static, so it vectorizes. Plans are `zen.cpu_schedule` attributes.
//     2. zen-cpu-apply-schedule: instantiates the transform-dialect schedule
//        of each plan (tile to scf.forall for the cores, tile/peel to the
//        register tile, vectorize, hoist the accumulators out of the K loop,
//        lower vector.contract to FMAs) and runs it with the transform
//        interpreter.
//   buildCPUCodegenLoweringStage (memrefs, right after bufferization)
//     3. CSE + canonicalize (removes the self-copies bufferization leaves for
//        scf.forall results); scf.forall -> OpenMP (parallel) or scf.for;
//        vector transfers -> loads/stores (fully unrolled), vector -> LLVM.
//
// The host decides the register tile: AVX-512 (32 zmm) uses 16x16 f32 tiles,
// AVX2 (16 ymm) 6x16; see CPUCodegenOptions::forHost.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_PIPELINES_CPUCODEGEN_H
#define ZEN_PIPELINES_CPUCODEGEN_H

#include <cstdint>

namespace mlir {
class OpPassManager;
namespace zen {

/// Knobs of the CPU code generation stage.
struct CPUCodegenOptions {
  /// f32 lanes per vector register: 16 (AVX-512F), 8 (AVX2), 4 (SSE);
  /// 0: the host's, from LLVM's host CPU features (as -march=native).
  unsigned vectorWidth = 0;
  /// Rows (M, the product of the leading dims) from which a contraction packs
  /// its weights and runs the outer-product GEMM instead of dot products.
  unsigned packedMinRows = 64;
  /// Run the scf.forall tiles on all cores through OpenMP. The model library
  /// then needs libomp at link time and the OpenMP dialect's LLVM IR
  /// translation at emission time; without it the tiles run in order.
  bool parallel = false;
};

/// Stage on tensors: zen-cpu-plan-kernels, zen-cpu-apply-schedule, cleanup.
void buildCPUCodegenStage(OpPassManager &pm, const CPUCodegenOptions &options);

/// Stage on memrefs, right after one-shot bufferization: forall -> OpenMP or
/// loops (as the tensor stage decided), vector -> LLVM. Later stages lower
/// everything else.
void buildCPUCodegenLoweringStage(OpPassManager &pm);

} // namespace zen
} // namespace mlir

#endif // ZEN_PIPELINES_CPUCODEGEN_H
