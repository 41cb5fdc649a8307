// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.moe_router

// Qwen3-Omni thinker router shape with dynamic batch/sequence: logits as one
// f32 contraction, softmax over all E in f32 (max, sum of exp, divide), then
// k argmax passes in an scf.for, then the renormalisation.
// CHECK-LABEL: func.func @router_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[R:.*]]: tensor<8x64xf32>)
// CHECK: %[[LOGITS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[X]], %[[R]] : tensor<?x?x64xf32>, tensor<8x64xf32>) outs(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[LOGITS]] : tensor<?x?x8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[LOGITS]], %[[MAX]] :
// CHECK: math.exp
// CHECK: %[[P:.*]] = linalg.generic {{.*}}["parallel", "parallel", "parallel"]{{.*}} ins(%[[LOGITS]], %[[MAX]], %[[SUM]] :
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[TOPK:.*]]:2 = scf.for %[[J:.*]] = %{{.*}} to %[[C2]] step %{{.*}} iter_args({{.*}}) -> (tensor<?x?x2xf32>, tensor<?x?x2xi64>)
// One pass: the best (p, e) after the previous pick, ties to the lower index.
// CHECK: %[[PASS:.*]]:2 = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[P]], {{.*}}) outs({{.*}} : tensor<?x?xf32>, tensor<?x?xi64>)
// CHECK: linalg.index 2
// CHECK: arith.cmpf olt
// CHECK: arith.cmpi sgt
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpi slt
// CHECK: linalg.yield {{.*}} : f32, i64
// CHECK: %[[COL:.*]]:2 = linalg.generic {{.*}} ins(%[[PASS]]#0, %[[PASS]]#1 : {{.*}}) outs({{.*}} : tensor<?x?x2xf32>, tensor<?x?x2xi64>)
// CHECK: arith.cmpi eq, %{{.*}}, %[[J]] : index
// CHECK: scf.yield %[[COL]]#0, %[[COL]]#1
// CHECK: %[[NORM:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%[[TOPK]]#0 : tensor<?x?x2xf32>)
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[TOPK]]#0, %[[NORM]] :
// CHECK: arith.divf
// CHECK: return %[[W]], %[[TOPK]]#1 : tensor<?x?x2xf32>, tensor<?x?x2xi64>
func.func @router_norm(%x: tensor<?x?x64xf32>, %router: tensor<8x64xf32>)
    -> (tensor<?x?x2xf32>, tensor<?x?x2xi64>) {
  %w, %idx = zen.moe_router %x, %router {norm_topk_prob, top_k = 2 : i64}
      : tensor<?x?x64xf32>, tensor<8x64xf32>
  return %w, %idx : tensor<?x?x2xf32>, tensor<?x?x2xi64>
}

// -----

// Qwen3-Next router in bf16 (512 experts, 10 per token): the logits are
// rounded to bf16 like HF's nn.Linear output; the softmax reads them in f32.
// Without norm_topk_prob the top-k results are returned as they are.
// CHECK-LABEL: func.func @router_qwen3_next_bf16
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x512xf32>)
// CHECK: %[[ROUNDED:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x512xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: linalg.generic {{.*}} ins(%[[ROUNDED]] : tensor<?x512xbf16>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: %[[C10:.*]] = arith.constant 10 : index
// CHECK: %[[TOPK:.*]]:2 = scf.for %{{.*}} to %[[C10]]
// CHECK: return %[[TOPK]]#0, %[[TOPK]]#1 : tensor<?x10xf32>, tensor<?x10xi64>
func.func @router_qwen3_next_bf16(%x: tensor<?x2048xbf16>, %router: tensor<512x2048xbf16>)
    -> (tensor<?x10xf32>, tensor<?x10xi64>) {
  %w, %idx = zen.moe_router %x, %router {top_k = 10 : i64}
      : tensor<?x2048xbf16>, tensor<512x2048xbf16>
  return %w, %idx : tensor<?x10xf32>, tensor<?x10xi64>
}

// -----

// A single token [H] and a dynamic expert count: rank-0 per-token tensors.
// CHECK-LABEL: func.func @router_single_token
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?xf32>)
// CHECK: scf.for
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]{{.*}} outs(%{{.*}} : tensor<f32>, tensor<i64>)
// CHECK: return %{{.*}} : tensor<1xf32>, tensor<1xi64>
func.func @router_single_token(%x: tensor<64xf32>, %router: tensor<?x64xf32>)
    -> (tensor<1xf32>, tensor<1xi64>) {
  %w, %idx = zen.moe_router %x, %router {top_k = 1 : i64} : tensor<64xf32>, tensor<?x64xf32>
  return %w, %idx : tensor<1xf32>, tensor<1xi64>
}
