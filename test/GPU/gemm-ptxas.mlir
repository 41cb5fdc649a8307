// The GEMM (and attention scores) kernels through ptxas (the CUDA toolkit): no local-memory spills
// on sm_80 or sm_90a, and the default format embeds a cubin (ELF).
// REQUIRES: cuda-toolkit
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_80 format=isa" \
// RUN:   | %python %S/Inputs/extract_ptx.py --containing mma.sync > %t.sm80.ptx
// RUN: %ptxas -v -arch=sm_80 %t.sm80.ptx -o %t.sm80.cubin 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PTXAS -DARCH=sm_80
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_90a format=isa" \
// RUN:   | %python %S/Inputs/extract_ptx.py --containing mma.sync > %t.sm90.ptx
// RUN: %ptxas -v -arch=sm_90a %t.sm90.ptx -o %t.sm90.cubin 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PTXAS -DARCH=sm_90a
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_90a" | FileCheck %s --check-prefix=CUBIN
// The attention scores kernel (attention-ptx.mlir) too.
// RUN: zen-opt %S/attention-ptx.mlir --zen-cuda-pipeline="chip=sm_90a format=isa" \
// RUN:   | %python %S/Inputs/extract_ptx.py --containing mma.sync > %t.att.ptx
// RUN: %ptxas -v -arch=sm_90a %t.att.ptx -o %t.att.cubin 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ATT

// PTXAS: Compiling entry function 'gemm_kernel' for '[[ARCH]]'
// PTXAS: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// ATT: Compiling entry function 'qwen3_prefill_kernel{{.*}}' for 'sm_90a'
// ATT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// CUBIN-COUNT-3: gpu.binary @gemm_kernel{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, properties = {{.*}}, bin = "\7FELF
func.func @gemm(%x: tensor<?x?x1024xbf16>, %w: tensor<2048x1024xbf16>) -> tensor<?x?x2048xbf16> {
  %y = zen.linear %x, %w : tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>
  return %y : tensor<?x?x2048xbf16>
}
