// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.moe

// Qwen3-MoE style block (no shared expert), dynamic batch/sequence. The
// router is zen.moe_router's lowering; then a counting sort of the (token,
// slot) pairs by expert (histogram, prefix sum, placement), then ONE scf.for
// over the experts in ascending order. An expert no token picked is skipped;
// otherwise its tokens are gathered into a compact [n_e, H] block that runs
// through the expert's SwiGLU (its [I, H] / [H, I] weight slices), and each
// weighted row is added into its token's row. Nothing is computed densely
// over all experts.
// CHECK-LABEL: func.func @moe_routed
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x64xf32>, %{{[^:]*}}: tensor<8x64xf32>, %[[G:[^:]*]]: tensor<8x32x64xf32>, %[[U:[^:]*]]: tensor<8x32x64xf32>, %[[D:[^:]*]]: tensor<8x64x32xf32>)
// Router: top-k passes.
// CHECK: %[[TOPK:.*]]:2 = scf.for
// CHECK: scf.yield
// Histogram of the N*k pairs over the E+1 offsets.
// CHECK: %[[HIST:.*]] = scf.for {{.*}} -> (tensor<?xindex>)
// CHECK: tensor.extract %[[TOPK]]#1
// CHECK: tensor.insert
// Prefix sum: each expert's first row, and the placement cursors.
// CHECK: %[[OFF:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[HIST]], {{.*}}) -> (tensor<?xindex>, tensor<8xindex>)
// Placement: pair ids grouped by expert, ascending tokens within an expert.
// CHECK: %[[ORDER:.*]]:2 = scf.for {{.*}} iter_args({{.*}}, %{{.*}} = %[[OFF]]#1) -> (tensor<?xindex>, tensor<8xindex>)
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<?x?x64xf32>
// CHECK: %[[Y:.*]] = scf.for %[[E:.*]] = %{{.*}} to %c8{{(_[0-9]+)?}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (tensor<?x?x64xf32>)
// CHECK: %[[START:.*]] = tensor.extract %[[OFF]]#0[%[[E]]]
// CHECK: %[[COUNT:.*]] = arith.subi
// CHECK: %[[HIT:.*]] = arith.cmpi ugt, %[[COUNT]]
// CHECK: scf.if %[[HIT]] -> (tensor<?x?x64xf32>)
// CHECK: %[[GE:.*]] = tensor.extract_slice %[[G]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<8x32x64xf32> to tensor<32x64xf32>
// CHECK: %[[UE:.*]] = tensor.extract_slice %[[U]][%[[E]], 0, 0] [1, 32, 64] [1, 1, 1] : tensor<8x32x64xf32> to tensor<32x64xf32>
// CHECK: %[[DE:.*]] = tensor.extract_slice %[[D]][%[[E]], 0, 0] [1, 64, 32] [1, 1, 1] : tensor<8x64x32xf32> to tensor<64x32xf32>
// Gather the expert's tokens.
// CHECK: %[[XE:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x64xf32>)
// CHECK: tensor.extract %[[ORDER]]#0
// CHECK: tensor.extract %[[X]]
// CHECK: %[[GP:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[XE]], %[[GE]] : tensor<?x64xf32>, tensor<32x64xf32>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: %[[UP:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[XE]], %[[UE]] : tensor<?x64xf32>, tensor<32x64xf32>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: %[[ACT:.*]] = linalg.generic {{.*}} ins(%[[GP]], %[[UP]] :
// CHECK: math.exp
// CHECK: %[[DOWN:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[ACT]], %[[DE]] : tensor<?x32xf32>, tensor<64x32xf32>) outs(%{{.*}} : tensor<?x64xf32>)
// Scatter-add the weighted rows, in place on the accumulator.
// CHECK: scf.for {{.*}} to %[[COUNT]] {{.*}} iter_args(%{{.*}} = %[[ACC]])
// CHECK: scf.for
// CHECK: tensor.extract %[[DOWN]]
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.insert
// CHECK: } else {
// CHECK: scf.yield %[[ACC]]
// CHECK: return %[[Y]] : tensor<?x?x64xf32>
func.func @moe_routed(%x: tensor<?x?x64xf32>, %router: tensor<8x64xf32>,
    %gate: tensor<8x32x64xf32>, %up: tensor<8x32x64xf32>, %down: tensor<8x64x32xf32>)
    -> tensor<?x?x64xf32> {
  %y = zen.moe %x, %router, %gate, %up, %down {norm_topk_prob, top_k = 2 : i64}
      : tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<8x32x64xf32>, tensor<8x32x64xf32>,
        tensor<8x64x32xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Qwen3-Next in bf16 (512 experts of width 512, 10 per token, shared expert
// of width 512): still one loop over the experts with per-expert [512, 2048]
// slices, plus the dense shared expert gated by sigmoid(x · sgᵀ) per token.
// Every nn.Linear output, the SiLU, the products and the adds round to bf16.
// CHECK-LABEL: func.func @moe_qwen3_next_bf16
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x?x2048xbf16>
// CHECK: scf.for {{.*}} -> (tensor<?x?x2048xbf16>)
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 512, 2048] [1, 1, 1] : tensor<512x512x2048xbf16> to tensor<512x2048xbf16>
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 2048, 512] [1, 1, 1] : tensor<512x2048x512xbf16> to tensor<2048x512xbf16>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x512xf32>)
// The weighted row add: round(down), round(* w), round(+ y).
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: arith.mulf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: arith.addf
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: tensor.insert {{.*}} : tensor<?x?x2048xbf16>
// Shared expert over all tokens.
// CHECK: %[[SG:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>) outs(%{{.*}} : tensor<?x?x512xf32>)
// CHECK: %[[SU:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>) outs(%{{.*}} : tensor<?x?x512xf32>)
// CHECK: %[[SACT:.*]] = linalg.generic {{.*}} ins(%[[SG]], %[[SU]] : {{.*}}) outs(%{{.*}} : tensor<?x?x512xbf16>)
// CHECK: %[[SD:.*]] = linalg.generic {{.*}} ins(%[[SACT]], %{{.*}} : tensor<?x?x512xbf16>, tensor<2048x512xbf16>) outs(%{{.*}} : tensor<?x?x2048xf32>)
// CHECK: %[[ROW:.*]] = tensor.extract_slice %{{.*}}[0, 0] [1, 2048] [1, 1] : tensor<1x2048xbf16> to tensor<2048xbf16>
// CHECK: %[[GATE:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[X]], %[[ROW]] : tensor<?x?x2048xbf16>, tensor<2048xbf16>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SD]], %[[GATE]] : tensor<?x?x2048xbf16>, tensor<?x?x2048xf32>, tensor<?x?xf32>) outs(%{{.*}} : tensor<?x?x2048xbf16>)
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: return %[[OUT]] : tensor<?x?x2048xbf16>
func.func @moe_qwen3_next_bf16(%x: tensor<?x?x2048xbf16>, %router: tensor<512x2048xbf16>,
    %gate: tensor<512x512x2048xbf16>, %up: tensor<512x512x2048xbf16>,
    %down: tensor<512x2048x512xbf16>, %sgate: tensor<512x2048xbf16>,
    %sup: tensor<512x2048xbf16>, %sdown: tensor<2048x512xbf16>,
    %segate: tensor<1x2048xbf16>) -> tensor<?x?x2048xbf16> {
  %y = zen.moe %x, %router, %gate, %up, %down
      shared(%sgate, %sup, %sdown, %segate) {norm_topk_prob, top_k = 10 : i64}
      : tensor<?x?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x512x2048xbf16>,
        tensor<512x512x2048xbf16>, tensor<512x2048x512xbf16>,
        tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>,
        tensor<1x2048xbf16>
  return %y : tensor<?x?x2048xbf16>
}

// -----

// A single token [H] (rank-1 input, no leading dims) and a dynamic expert
// count: the expert loop runs to tensor.dim of the router.
// CHECK-LABEL: func.func @moe_single_token_dyn_experts
// CHECK-SAME: %{{[^:]*}}: tensor<64xf32>, %[[R:[^:]*]]: tensor<?x64xf32>
// CHECK: scf.for {{.*}} -> (tensor<1xf32>, tensor<1xi64>)
// CHECK: %[[NE:.*]] = tensor.dim %[[R]], %{{.*}} : tensor<?x64xf32>
// CHECK: scf.for %{{.*}} to %[[NE]] {{.*}} -> (tensor<?xindex>, tensor<?xindex>)
// CHECK: scf.for %{{.*}} to %[[NE]] {{.*}} -> (tensor<64xf32>)
// CHECK: scf.if
// CHECK: tensor.extract_slice {{.*}} : tensor<?x32x64xf32> to tensor<32x64xf32>
func.func @moe_single_token_dyn_experts(%x: tensor<64xf32>, %router: tensor<?x64xf32>,
    %gate: tensor<?x32x64xf32>, %up: tensor<?x32x64xf32>, %down: tensor<?x64x32xf32>)
    -> tensor<64xf32> {
  %y = zen.moe %x, %router, %gate, %up, %down {top_k = 1 : i64}
      : tensor<64xf32>, tensor<?x64xf32>, tensor<?x32x64xf32>, tensor<?x32x64xf32>,
        tensor<?x64x32xf32>
  return %y : tensor<64xf32>
}
