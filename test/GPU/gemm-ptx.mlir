// zen.linear in bf16 through zen-cuda-pipeline, stopped at PTX (format=isa
// needs LLVM's NVPTX backend only, no CUDA toolkit): the GEMM kernel runs on
// tensor cores (mma.sync m16n8k16, bf16 in, f32 accumulate) on sm_80 and
// sm_90a, with no local memory (no spills, no stack arrays).
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_80 format=isa" \
// RUN:   | %python %S/Inputs/extract_ptx.py --containing mma.sync \
// RUN:   | FileCheck %s --check-prefixes=CHECK,SM80
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_90a format=isa" \
// RUN:   | %python %S/Inputs/extract_ptx.py --containing mma.sync \
// RUN:   | FileCheck %s --check-prefixes=CHECK,SM90
// The host side: launches through the mgpu* runtime functions, the target
// in the ABI metadata.
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_80 format=isa" \
// RUN:   | FileCheck %s --check-prefix=HOST

// CHECK: .version 8.0
// SM80: .target sm_80
// SM90: .target sm_90a
// CHECK: .visible .entry
// CHECK-NOT: .local
// CHECK-COUNT-4: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-NOT: .local

// HOST: gpu.launch_func @gemm_kernel{{.*}}::@gemm_kernel blocks in
// HOST: gpu.binary @gemm_kernel{{.*}}[#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// HOST-DAG: llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
// HOST-DAG: llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
// HOST-DAG: llvm.func @zen_entry_gemm(%arg0: !llvm.ptr)
// HOST-DAG: llvm.mlir.global internal constant @zen_metadata_json("{\22cuda_arch\22:\22sm_80\22,{{.*}}\22target\22:\22cuda\22
func.func @gemm(%x: tensor<?x?x1024xbf16>, %w: tensor<2048x1024xbf16>) -> tensor<?x?x2048xbf16> {
  %y = zen.linear %x, %w : tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>
  return %y : tensor<?x?x2048xbf16>
}
