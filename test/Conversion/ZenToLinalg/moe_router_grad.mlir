// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.moe_router_grad

// Both gradients, renormalised router, dynamic batch/sequence: the
// probabilities are recomputed (logits contraction, row max, row sum,
// normalise), the selected ones gathered at the indices, the
// renormalisation's backward applied, the slot cotangents scattered over the
// E experts (a reduction over the k slots), the softmax backward taken, then
// one contraction with router_w for the input and one over all tokens for
// router_w.
// CHECK-LABEL: func.func @router_grad_norm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x?x64xf32>, %[[R:[^:]*]]: tensor<8x64xf32>, %[[I:[^:]*]]: tensor<?x?x2xi64>, %[[DW:[^:]*]]: tensor<?x?x2xf32>)
// CHECK: %[[LOGITS:.*]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[X]], %[[R]] : tensor<?x?x64xf32>, tensor<8x64xf32>) outs(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[LOGITS]] : tensor<?x?x8xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[LOGITS]], %[[MAX]] : tensor<?x?x8xf32>, tensor<?x?xf32>) outs(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<?x?x8xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<?x?x8xf32>, tensor<?x?xf32>) outs(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: arith.divf
// Gather q = p[idx].
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x?x2xf32>)
// CHECK: tensor.extract %[[I]]
// CHECK: tensor.extract %[[P]]
// Renormalisation backward: S = sum q, t = sum dw q, dq = (dw - t / S) / S.
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[Q]] : tensor<?x?x2xf32>)
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[DW]], %[[Q]] :
// CHECK: %[[DQ:.*]] = linalg.generic {{.*}} ins(%[[DW]], %[[T]], %[[S]] :
// CHECK: arith.divf
// CHECK: arith.subf
// CHECK: arith.divf
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[DQ]], %[[Q]] :
// Scatter over the experts: a reduction over the k slots.
// CHECK: %[[DP:.*]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[I]], %[[DQ]] : tensor<?x?x2xi64>, tensor<?x?x2xf32>) outs(%{{.*}} : tensor<?x?x8xf32>)
// CHECK: arith.cmpi eq
// CHECK: arith.select
// Softmax backward: dlogits = p (dp - c).
// CHECK: %[[DL:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[DP]], %[[C]] :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: %[[DX:.*]] = linalg.generic {{.*}}["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[DL]], %[[R]] : tensor<?x?x8xf32>, tensor<8x64xf32>) outs(%{{.*}} : tensor<?x?x64xf32>)
// CHECK: %[[DR:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[DL]], %[[X]] : tensor<?x?x8xf32>, tensor<?x?x64xf32>) outs(%{{.*}} : tensor<8x64xf32>)
// CHECK: return %[[DX]], %[[DR]]
func.func @router_grad_norm(%x: tensor<?x?x64xf32>, %r: tensor<8x64xf32>, %i: tensor<?x?x2xi64>,
    %dw: tensor<?x?x2xf32>) -> (tensor<?x?x64xf32>, tensor<8x64xf32>) {
  %dx, %dr = zen.moe_router_grad %x, %r, %i, %dw {norm_topk_prob}
      : tensor<?x?x64xf32>, tensor<8x64xf32>, tensor<?x?x2xi64>, tensor<?x?x2xf32>
      -> input_grad tensor<?x?x64xf32> router_w_grad tensor<8x64xf32>
  return %dx, %dr : tensor<?x?x64xf32>, tensor<8x64xf32>
}

// -----

// LoRA (router frozen), bf16, no renormalisation: only the input gradient is
// built (no [E, H] contraction over the tokens), rounded once to bf16.
// CHECK-LABEL: func.func @router_grad_input_only
// CHECK: %[[DX:.*]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<8x64xbf16>) outs(%{{.*}} : tensor<?x64xf32>)
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[DX]] : tensor<?x64xf32>) outs(%{{.*}} : tensor<?x64xbf16>)
// CHECK: arith.truncf
// CHECK-NOT: tensor<8x64xf32>
// CHECK: return %[[OUT]] : tensor<?x64xbf16>
func.func @router_grad_input_only(%x: tensor<?x64xbf16>, %r: tensor<8x64xbf16>,
    %i: tensor<?x2xi64>, %dw: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %dx = zen.moe_router_grad %x, %r, %i, %dw
      : tensor<?x64xbf16>, tensor<8x64xbf16>, tensor<?x2xi64>, tensor<?x2xf32>
      -> input_grad tensor<?x64xbf16>
  return %dx : tensor<?x64xbf16>
}
