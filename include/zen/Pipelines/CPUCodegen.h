//===- CPUCodegen.h - fast CPU code for the linalg Zen lowers to -*- C++ -*-===//
//
// The CPU code generation stage of zen-cpu-pipeline, in two halves around
// one-shot bufferization (Pipelines.cpp calls each once):
//
//   buildCPUCodegenStage (tensors, right after the Zen -> linalg stage)
//     1. zen-cpu-plan-kernels: every contraction y[..., n] = x[..., k] w[n, k]
//        (zen.linear and its LoRA terms) becomes a run-time choice on the
//        number of rows M (the product of the leading dims):
//          - M < packedMinRows: the *dot* kernel, for decode. No copy of any
//            operand: an mr x nr register tile of dot products whose K loop
//            keeps vector-length partial sums, reduced once per tile. Reading
//            W once is the whole cost at M = 1.
//          - otherwise the *packed* GEMM: W packed (and widened to f32) into
//            panels [N/nr][K][nr] on every call; an mr x nr register tile of
//            outer products, mr x nr/VL accumulators carried in registers
//            across K; activations read in place (one broadcast per row).
//        bf16 activations are widened once; bf16 weights in registers (dot)
//        or while packing (GEMM); accumulation is f32 in both.
//        Every other linalg op whose innermost loop is static gets a plan
//        that tiles it to a vector-sized inner step (elementwise), or to
//        vector partial sums (single innermost reductions), so it vectorizes.
//     2. zen-cpu-apply-schedule: one transform-dialect named sequence per
//        distinct plan, applied by the transform interpreter: tile to
//        scf.forall (tasks for the cores), tile and peel to the register
//        tile, vectorize, hoist the accumulators out of the K loop on
//        tensors, lower vector.contract to outer products and FMAs.
//     3. canonicalize + CSE.
//   buildCPUCodegenLoweringStage (memrefs, right after bufferization)
//     4. the upstream buffer-deallocation pipeline: temporaries (the packed
//        panels, every intermediate tensor) are freed; results stay owned
//        by the caller.
//     5. CSE + canonicalize: removes the self-copies bufferization leaves
//        for scf.forall results (strided memref.copy would need the C runner
//        library's memrefCopy).
//     6. zen-cpu-lower-parallel: scf.forall -> OpenMP (when `parallel`) or
//        scf.for.
//     7. vector transfers -> loads/stores, fully unrolled (no alloca in
//        loops); vector -> LLVM; ub.poison -> LLVM.
//
// The host decides the register tiles (zen-cpu-plan-kernels): AVX-512 (32
// registers) 16x16 f32 outer products and 4x4 dot tiles; AVX2 (16 registers)
// 6x16 and 3x4 (2x4 with bf16 weights).
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_PIPELINES_CPUCODEGEN_H
#define ZEN_PIPELINES_CPUCODEGEN_H

namespace mlir {
class OpPassManager;
namespace zen {

/// Knobs of the CPU code generation stage.
struct CPUCodegenOptions {
  /// f32 lanes per vector register: 16 (AVX-512F), 8 (AVX2), 4 (SSE);
  /// 0: the host's, from LLVM's host CPU features (as -march=native).
  unsigned vectorWidth = 0;
  /// Rows (M, the product of the leading dims) from which a contraction packs
  /// its weights and runs the outer-product GEMM instead of dot products
  /// (measured crossover on AVX2, 2048x2048 f32: between 32 and 48 rows).
  unsigned packedMinRows = 48;
  /// Vectorize the ops that are not contractions too (elementwise ops and
  /// innermost reductions with a static innermost dim); off: scalar loops.
  bool vectorizeOtherOps = true;
  /// Run the scf.forall tasks on all cores through OpenMP (OMP_NUM_THREADS
  /// applies). The model library then calls libomp (__kmpc_fork_call): its
  /// emission needs the OpenMP dialect's LLVM IR translation registered and
  /// its link needs libomp. Off: the tasks run in order, no runtime needed.
  bool parallel = true;
};

/// Steps 1-3 above, on tensors.
void buildCPUCodegenStage(OpPassManager &pm, const CPUCodegenOptions &options);

/// Steps 4-7 above, on memrefs, right after one-shot bufferization. Whether
/// the tasks run in parallel was decided by the tensor stage (it marks the
/// module), so this half takes no options.
void buildCPUCodegenLoweringStage(OpPassManager &pm);

} // namespace zen
} // namespace mlir

#endif // ZEN_PIPELINES_CPUCODEGEN_H
