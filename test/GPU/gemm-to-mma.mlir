// RUN: zen-opt %s --zen-cuda-gemm-to-mma --split-input-file | FileCheck %s

// The contraction convert-zen-to-linalg builds for zen.linear (bf16 operands,
// f32 accumulator), after bufferization: one tensor-core kernel of 2x2 warps,
// K steps of 16, four m16n8k16 bf16 mma.sync per step, f32 accumulators
// carried in registers (16 iter_args), guarded stores.
#x = affine_map<(b, t, n, k) -> (b, t, k)>
#w = affine_map<(b, t, n, k) -> (n, k)>
#y = affine_map<(b, t, n, k) -> (b, t, n)>
// CHECK-LABEL: func.func @q_proj
// CHECK-NOT: linalg.generic
// CHECK: scf.if
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}} = %c32{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c1024{{.*}} step %c16{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-4: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK: scf.yield
// CHECK-COUNT-16: memref.store
// CHECK: gpu.terminator
func.func @q_proj(%x: memref<?x?x1024xbf16>, %w: memref<2048x1024xbf16>, %y: memref<?x?x2048xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x1024xbf16>, memref<2048x1024xbf16>) outs(%y : memref<?x?x2048xf32>) {
  ^bb0(%a: bf16, %b: bf16, %acc: f32):
    %ae = arith.extf %a : bf16 to f32
    %be = arith.extf %b : bf16 to f32
    %p = arith.mulf %ae, %be : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// f16, rank 2, N and K not multiples of the tile: masked loads (select) and
// stores; f16 mma.sync.
#x2 = affine_map<(m, n, k) -> (m, k)>
#w2 = affine_map<(m, n, k) -> (n, k)>
#y2 = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @ragged_f16
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c48{{.*}} step %c16
// CHECK: arith.select
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
func.func @ragged_f16(%x: memref<?x40xf16>, %w: memref<100x40xf16>, %y: memref<?x100xf32>) {
  linalg.generic {indexing_maps = [#x2, #w2, #y2],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x40xf16>, memref<100x40xf16>) outs(%y : memref<?x100xf32>) {
  ^bb0(%a: f16, %b: f16, %acc: f32):
    %ae = arith.extf %a : f16 to f32
    %be = arith.extf %b : f16 to f32
    %p = arith.mulf %ae, %be : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// f32 operands stay on the per-thread path (no TF32: CPU parity).
// CHECK-LABEL: func.func @f32_stays
// CHECK: linalg.generic
// CHECK-NOT: nvvm.mma.sync
func.func @f32_stays(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %y: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<32x64xf32>) outs(%y : memref<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Attention scores with GQA (lowering of zen.attention): loops
// (b, j, t, u, d); keys read head j floordiv 2, so b and j are batch loops
// (grid z = B * 16), t the rows, u the (dynamic) columns, d = k.
#q = affine_map<(b, j, t, u, d) -> (b, t, j, d)>
#k = affine_map<(b, j, t, u, d) -> (b, u, j floordiv 2, d)>
#s = affine_map<(b, j, t, u, d) -> (b, j, t, u)>
// CHECK-LABEL: func.func @gqa_scores
// CHECK: %[[Z:.*]] = arith.muli %{{.*}}, %c16
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}}, {{.*}}, {{.*}} = %[[Z]]) threads
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c128{{.*}} step %c16
// CHECK: affine.apply
// CHECK-COUNT-4: nvvm.mma.sync
func.func @gqa_scores(%q: memref<?x?x16x128xbf16>, %k: memref<?x?x8x128xbf16>, %s: memref<?x16x?x?xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<?x?x16x128xbf16>, memref<?x?x8x128xbf16>) outs(%s : memref<?x16x?x?xf32>) {
  ^bb0(%a: bf16, %b: bf16, %acc: f32):
    %ae = arith.extf %a : bf16 to f32
    %be = arith.extf %b : bf16 to f32
    %p = arith.mulf %ae, %be : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// p . v with f32 probabilities: operand types differ, no tensor cores.
// CHECK-LABEL: func.func @mixed_types
// CHECK: linalg.generic
// CHECK-NOT: nvvm.mma.sync
func.func @mixed_types(%p: memref<?x64xf32>, %v: memref<32x64xbf16>, %o: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<?x64xf32>, memref<32x64xbf16>) outs(%o : memref<?x32xf32>) {
  ^bb0(%a: f32, %b: bf16, %acc: f32):
    %be = arith.extf %b : bf16 to f32
    %x = arith.mulf %a, %be : f32
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  }
  return
}
