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
