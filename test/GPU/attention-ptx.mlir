// Qwen3-0.6B attention in bf16 (16 query heads, 8 kv heads, head_dim 128,
// causal, padding mask) through zen-cuda-pipeline to PTX: the scores
// q . k^T (batched over b and the head, GQA head j / 2) run on tensor cores.
// The softmax and p . v (f32 probabilities) are still per-thread kernels.
// RUN: zen-opt %s --zen-cuda-pipeline="chip=sm_90a format=isa" \
// RUN:   | %python %S/Inputs/extract_ptx.py --containing mma.sync \
// RUN:   | FileCheck %s
// CHECK: .target sm_90a
// CHECK-NOT: .local
// CHECK-COUNT-4: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-NOT: .local
func.func @qwen3_prefill(%q: tensor<?x?x16x128xbf16>, %k: tensor<?x?x8x128xbf16>,
                         %v: tensor<?x?x8x128xbf16>, %m: tensor<?x?xi1>) -> tensor<?x?x16x128xbf16> {
  %o = zen.attention %q, %k, %v mask(%m : tensor<?x?xi1>) {causal}
      : tensor<?x?x16x128xbf16>, tensor<?x?x8x128xbf16>, tensor<?x?x8x128xbf16>
  return %o : tensor<?x?x16x128xbf16>
}
