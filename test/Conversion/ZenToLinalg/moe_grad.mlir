// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.moe_grad

// LoRA training (experts frozen): only the input and routing-weight
// gradients. The forward's structure: a counting sort of the (token, slot)
// pairs by expert (histogram, prefix sum, placement), then ONE scf.for over
// the experts; an expert no token picked is skipped, the others gather their
// tokens, recompute g, u, h = silu(g) u and o = h down_wᵀ, take dw = dy · o
// and the SwiGLU backward as small contractions with the expert's weight
// slices, and scatter dw to the (token, slot) and the input-gradient rows to
// the tokens. No [E, I, H] tensor is built.
// CHECK-LABEL: func.func @moe_grad_lora
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x64xf32>, %[[W:[^:]*]]: tensor<?x?x2xf32>, %[[I:[^:]*]]: tensor<?x?x2xi64>, %[[G:[^:]*]]: tensor<8x32x64xf32>, %[[U:[^:]*]]: tensor<8x32x64xf32>, %[[D:[^:]*]]: tensor<8x64x32xf32>, %[[DY:[^:]*]]: tensor<?x?x64xf32>)
// CHECK: %[[DX0:.*]] = linalg.fill {{.*}} -> tensor<?x?x64xf32>
// CHECK: %[[DW0:.*]] = linalg.fill {{.*}} -> tensor<?x?x2xf32>
// CHECK-NOT: linalg.fill {{.*}} -> tensor<8x{{[0-9x]+}}xf32>
// CHECK: %[[HIST:.*]] = scf.for {{.*}} -> (tensor<?xindex>)
// CHECK: tensor.extract %[[I]]
// CHECK: %[[OFF:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[HIST]], {{.*}}) -> (tensor<?xindex>, tensor<8xindex>)
// CHECK: %[[ORDER:.*]]:2 = scf.for {{.*}} iter_args({{.*}}, %{{.*}} = %[[OFF]]#1) -> (tensor<?xindex>, tensor<8xindex>)
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[E:.*]] = %{{.*}} to %c8{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[ADX:.*]] = %[[DX0]], %[[ADW:.*]] = %[[DW0]]) -> (tensor<?x?x64xf32>, tensor<?x?x2xf32>)
// CHECK: %[[COUNT:.*]] = arith.subi
// CHECK: %[[HIT:.*]] = arith.cmpi ugt, %[[COUNT]]
// CHECK: scf.if %[[HIT]] -> (tensor<?x?x64xf32>, tensor<?x?x2xf32>)
// CHECK: %[[GE:.*]] = tensor.extract_slice %[[G]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<8x32x64xf32> to tensor<32x64xf32>
// CHECK: %[[UE:.*]] = tensor.extract_slice %[[U]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1]
// CHECK: %[[DE:.*]] = tensor.extract_slice %[[D]][%[[E]], 0, 0] [1, 64, 32] [1, 1, 1] : tensor<8x64x32xf32> to tensor<64x32xf32>
// Gathers: the expert's token rows of x and dy.
// CHECK: %[[XE:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x64xf32>)
// CHECK: tensor.extract %[[ORDER]]#0
// CHECK: tensor.extract %[[X]]
// CHECK: %[[DYE:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x64xf32>)
// CHECK: tensor.extract %[[DY]]
// Recompute g, u, h, o.
// CHECK: %[[GP:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[XE]], %[[GE]] : tensor<?x64xf32>, tensor<32x64xf32>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: %[[UP:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[XE]], %[[UE]] : tensor<?x64xf32>, tensor<32x64xf32>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[GP]], %[[UP]] :
// CHECK: %[[O:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[H]], %[[DE]] : tensor<?x32xf32>, tensor<64x32xf32>) outs(%{{.*}} : tensor<?x64xf32>)
// dw rows = dy · o; do = w dy (w read at the row's (token, slot)); dh = do
// down_w[e] (contracting H, the weight's first dim).
// CHECK: %[[DWR:.*]] = linalg.generic {{.*}}["parallel", "reduction"]{{.*}} ins(%[[DYE]], %[[O]] : tensor<?x64xf32>, tensor<?x64xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[DO:.*]] = linalg.generic {{.*}} ins(%[[DYE]] : tensor<?x64xf32>)
// CHECK: tensor.extract %[[W]]
// CHECK: %[[DH:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[DO]], %[[DE]] : tensor<?x64xf32>, tensor<64x32xf32>) outs(%{{.*}} : tensor<?x32xf32>)
// SwiGLU backward (dg, du), then dx rows = dg gate_w[e] + du up_w[e].
// CHECK: %[[DGU:.*]]:2 = linalg.generic {{.*}} ins(%[[GP]], %[[UP]], %[[DH]] :
// CHECK: %[[DXR:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[DGU]]#0, %[[GE]], %[[DGU]]#1, %[[UE]] : tensor<?x32xf32>, tensor<32x64xf32>, tensor<?x32xf32>, tensor<32x64xf32>) outs(%{{.*}} : tensor<?x64xf32>)
// Scatter, in place on the accumulators.
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ADX]], %{{.*}} = %[[ADW]])
// CHECK: tensor.extract %[[DWR]]
// CHECK: tensor.insert
// CHECK: scf.for
// CHECK: tensor.extract %[[DXR]]
// CHECK: arith.addf
// CHECK: tensor.insert
// CHECK: } else {
// CHECK: scf.yield %[[ADX]], %[[ADW]]
// CHECK: return %[[LOOP]]#0, %[[LOOP]]#1 : tensor<?x?x64xf32>, tensor<?x?x2xf32>
func.func @moe_grad_lora(%x: tensor<?x?x64xf32>, %w: tensor<?x?x2xf32>, %i: tensor<?x?x2xi64>,
    %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>,
    %dy: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x2xf32>) {
  %dx, %dw = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy
      : tensor<?x?x64xf32>, tensor<?x?x2xf32>, tensor<?x?x2xi64>, tensor<8x32x64xf32>,
        tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<?x?x64xf32>
      -> input_grad tensor<?x?x64xf32> weights_grad tensor<?x?x2xf32>
  return %dx, %dw : tensor<?x?x64xf32>, tensor<?x?x2xf32>
}

// -----

// Expert weight gradients (gate and down only) and the shared expert's scalar
// gate: each expert's gradient is accumulated in place into its [e] slice of
// the stacked f32 accumulator (extract_slice -> contraction over the
// expert's rows -> insert_slice); up_w's is never built; no input or
// routing-weight scatter. The shared expert's gate gradient is one
// contraction over all tokens of dlogit and x; the shared weights' gradients
// are not built.
// CHECK-LABEL: func.func @moe_grad_weights
// CHECK: %[[AG0:.*]] = linalg.fill {{.*}} -> tensor<8x32x64xf32>
// CHECK: %[[AD0:.*]] = linalg.fill {{.*}} -> tensor<8x64x32xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[E:.*]] = {{.*}} iter_args(%[[AG:.*]] = %[[AG0]], %[[AD:.*]] = %[[AD0]]) -> (tensor<8x32x64xf32>, tensor<8x64x32xf32>)
// CHECK: %[[SD:.*]] = tensor.extract_slice %[[AD]][%[[E]], 0, 0] [1, 64, 32] [1, 1, 1] : tensor<8x64x32xf32> to tensor<64x32xf32>
// CHECK: %[[ND:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} outs(%[[SD]] : tensor<64x32xf32>)
// CHECK: %[[ID:.*]] = tensor.insert_slice %[[ND]] into %[[AD]][%[[E]], 0, 0] [1, 64, 32] [1, 1, 1]
// CHECK: %[[SG:.*]] = tensor.extract_slice %[[AG]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<8x32x64xf32> to tensor<32x64xf32>
// CHECK: %[[NG:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} outs(%[[SG]] : tensor<32x64xf32>)
// CHECK: %[[IG:.*]] = tensor.insert_slice %[[NG]] into %[[AG]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1]
// CHECK-NOT: scf.for
// CHECK: scf.yield %[[IG]], %[[ID]]
// CHECK: } else {
// Shared expert: recompute, then the scalar gate's gradient only.
// CHECK: %[[DSEG:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// CHECK-NOT: tensor<48x64xf32>)
// CHECK: return %[[LOOP]]#0, %[[LOOP]]#1, %[[DSEG]]
func.func @moe_grad_weights(%x: tensor<?x64xf32>, %w: tensor<?x2xf32>, %i: tensor<?x2xi64>,
    %g: tensor<8x32x64xf32>, %u: tensor<8x32x64xf32>, %d: tensor<8x64x32xf32>,
    %dy: tensor<?x64xf32>, %sg: tensor<48x64xf32>, %su: tensor<48x64xf32>,
    %sd: tensor<64x48xf32>, %seg: tensor<1x64xf32>)
    -> (tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<1x64xf32>) {
  %dg, %dd, %dseg = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg)
      : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi64>, tensor<8x32x64xf32>,
        tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<?x64xf32>, tensor<48x64xf32>,
        tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32>
      -> gate_w_grad tensor<8x32x64xf32> down_w_grad tensor<8x64x32xf32>
         shared_expert_gate_w_grad tensor<1x64xf32>
  return %dg, %dd, %dseg : tensor<8x32x64xf32>, tensor<8x64x32xf32>, tensor<1x64xf32>
}

// -----

// Only the shared expert's weights, bf16 (a single token [H]): no expert
// loop at all; the shared SwiGLU backward, gradients rounded once to bf16.
// CHECK-LABEL: func.func @moe_grad_shared_only
// CHECK-NOT: scf.for
// CHECK: %[[DSD:.*]] = linalg.generic {{.*}}["parallel", "parallel"]{{.*}} outs(%{{.*}} : tensor<64x48xf32>)
// CHECK: %[[DSG:.*]] = linalg.generic {{.*}}["parallel", "parallel"]{{.*}} outs(%{{.*}} : tensor<48x64xf32>)
// CHECK: %[[DSU:.*]] = linalg.generic {{.*}}["parallel", "parallel"]{{.*}} outs(%{{.*}} : tensor<48x64xf32>)
// CHECK: %[[RSG:.*]] = linalg.generic {{.*}} ins(%[[DSG]] : tensor<48x64xf32>) outs(%{{.*}} : tensor<48x64xbf16>)
// CHECK: %[[RSU:.*]] = linalg.generic {{.*}} ins(%[[DSU]] : tensor<48x64xf32>) outs(%{{.*}} : tensor<48x64xbf16>)
// CHECK: %[[RSD:.*]] = linalg.generic {{.*}} ins(%[[DSD]] : tensor<64x48xf32>) outs(%{{.*}} : tensor<64x48xbf16>)
// CHECK: return %[[RSG]], %[[RSU]], %[[RSD]]
func.func @moe_grad_shared_only(%x: tensor<64xbf16>, %w: tensor<2xf32>, %i: tensor<2xi64>,
    %g: tensor<8x32x64xbf16>, %u: tensor<8x32x64xbf16>, %d: tensor<8x64x32xbf16>,
    %dy: tensor<64xbf16>, %sg: tensor<48x64xbf16>, %su: tensor<48x64xbf16>,
    %sd: tensor<64x48xbf16>, %seg: tensor<1x64xbf16>)
    -> (tensor<48x64xbf16>, tensor<48x64xbf16>, tensor<64x48xbf16>) {
  %dsg, %dsu, %dsd = zen.moe_grad %x, %w, %i, %g, %u, %d, %dy shared(%sg, %su, %sd, %seg)
      : tensor<64xbf16>, tensor<2xf32>, tensor<2xi64>, tensor<8x32x64xbf16>,
        tensor<8x32x64xbf16>, tensor<8x64x32xbf16>, tensor<64xbf16>, tensor<48x64xbf16>,
        tensor<48x64xbf16>, tensor<64x48xbf16>, tensor<1x64xbf16>
      -> shared_gate_w_grad tensor<48x64xbf16> shared_up_w_grad tensor<48x64xbf16>
         shared_down_w_grad tensor<64x48xbf16>
  return %dsg, %dsu, %dsd : tensor<48x64xbf16>, tensor<48x64xbf16>, tensor<64x48xbf16>
}
