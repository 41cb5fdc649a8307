// RUN: zen-opt %s -split-input-file --zen-cpu-pipeline=parallel=false \
// RUN:   | FileCheck %s --implicit-check-not=memrefCopy --implicit-check-not=omp.
// RUN: zen-opt %s -split-input-file --zen-cpu-pipeline \
// RUN:   | FileCheck %s --check-prefix=PAR --implicit-check-not=memrefCopy
//
// zen-cpu-pipeline with the CPU code generation stage (CPUCodegen.h), for the
// host's vector width: the contractions become vector code (the dot
// kernel's contractible multiply-adds, the packed GEMM's fused multiply-adds),
// temporaries are freed, strided copies never reach the C runner library's
// memrefCopy. By default the kernels' tasks are OpenMP work-sharing loops
// (PAR); `parallel=false` runs them in order, with no OpenMP at all.

// PAR-LABEL:   llvm.func @linear(
// PAR:         omp.parallel
// PAR:         omp.wsloop
// PAR-LABEL:   llvm.func @_mlir_ciface_linear(
// PAR-LABEL:   llvm.func @linear_bf16(
// PAR:         omp.parallel

// CHECK-LABEL: llvm.func @linear(
// The packed GEMM's weight panels: allocated, filled, freed in the call.
// CHECK:       llvm.call @malloc
// CHECK:       llvm.fmul {{.*}} {fastmathFlags = #llvm.fastmath<contract>} : vector<{{[0-9]+}}xf32>
// CHECK:       llvm.fadd {{.*}} {fastmathFlags = #llvm.fastmath<contract>} : vector<{{[0-9]+}}xf32>
// CHECK:       llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:       llvm.call @free
// CHECK-LABEL: llvm.func @_mlir_ciface_linear(
func.func @linear(%x: tensor<?x?x256xf32>, %w: tensor<128x256xf32>) -> tensor<?x?x128xf32> {
  %y = zen.linear %x, %w : tensor<?x?x256xf32>, tensor<128x256xf32>
  return %y : tensor<?x?x128xf32>
}

// -----

// bf16: the weights are widened in registers (shift left by 16), products
// accumulate in f32, the result is rounded to bf16 once.
// CHECK-LABEL: llvm.func @linear_bf16(
// CHECK:       llvm.shl {{.*}} : vector<{{[0-9]+}}xi32>
// CHECK:       llvm.fmul {{.*}} {fastmathFlags = #llvm.fastmath<contract>} : vector<{{[0-9]+}}xf32>
// CHECK:       llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
func.func @linear_bf16(%x: tensor<?x256xbf16>, %w: tensor<128x256xbf16>) -> tensor<?x128xbf16> {
  %y = zen.linear %x, %w : tensor<?x256xbf16>, tensor<128x256xbf16>
  return %y : tensor<?x128xbf16>
}

// -----

// The attention backward is vector code end to end: q·kᵀ and do·vᵀ as
// vector partial sums along the head dim; dq, dk and dv (reductions outside
// the head dim) as vector multiply-adds on contiguous rows; dk and dv summed
// over the query heads of a GQA group as vector adds. The split query heads
// (expand_shape) keep every map a projected permutation; none of it may
// fall back to scalar loops. With OpenMP (PAR), the KV heads are tasks.
// PAR-LABEL:   llvm.func @attention_grad(
// PAR:         omp.parallel
// PAR:         omp.wsloop
// CHECK-LABEL: llvm.func @attention_grad(
// CHECK:       llvm.fmul {{.*}} : vector<{{[0-9]+}}xf32>
// CHECK:       llvm.intr.vector.reduce.fadd
// CHECK:       llvm.fmul {{.*}} : vector<{{[0-9]+}}xf32>
// CHECK:       llvm.intr.vector.reduce.fadd
// CHECK:       llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:       llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:       llvm.fadd {{.*}} : vector<16xf32>
// CHECK:       llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:       llvm.fadd {{.*}} : vector<16xf32>
// CHECK-LABEL: llvm.func @_mlir_ciface_attention_grad(
func.func @attention_grad(%dy: tensor<?x?x4x16xf32>, %q: tensor<?x?x4x16xf32>, %k: tensor<?x?x2x16xf32>,
                          %v: tensor<?x?x2x16xf32>)
    -> (tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>) {
  %dq, %dk, %dv = zen.attention_grad %dy, %q, %k, %v {causal}
      : tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
      -> q_grad(tensor<?x?x4x16xf32>) k_grad(tensor<?x?x2x16xf32>) v_grad(tensor<?x?x2x16xf32>)
  return %dq, %dk, %dv : tensor<?x?x4x16xf32>, tensor<?x?x2x16xf32>, tensor<?x?x2x16xf32>
}
